import torch


class Corpus:
    def __init__(self, triples):
        self.triples = triples

    def get_validation_pred(self, model, candidates):
        ranks = []
        for triple in self.triples:
            scores = model.batch_test(candidates[triple])
            ranks.append(int((scores > scores[0]).sum()) + 1)
        return sum(ranks) / len(ranks)
