import torch

from posekit.evaluator import inference_on_dataset


class Trainer:
    def do_test(self, cfg, model, loaders):
        results = {}
        for dataset_name in cfg.TEST:
            results[dataset_name] = inference_on_dataset(model, loaders[dataset_name])
        return results

    def do_train(self, cfg, model, optimizer, loader, loaders, epochs):
        model.train()
        for epoch in range(epochs):
            for x, y in loader:
                optimizer.zero_grad()
                torch.nn.functional.mse_loss(model(x), y).backward()
                optimizer.step()
            self.do_test(cfg, model, loaders)
