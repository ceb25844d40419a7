from oodkit.scores import eval_ood_detection
