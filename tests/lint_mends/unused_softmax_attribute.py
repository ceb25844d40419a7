# microsoft/unilm s2s-ft/s2s_ft/modeling.py: self.log_softmax is built, never read (the loss calls
# F.log_softmax with a dim)
import torch.nn as nn
import torch.nn.functional as F


class BertPreTrainedForSeq2SeqModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config


class BertForSequenceToSequence(BertPreTrainedForSeq2SeqModel):
    MODEL_NAME = 'basic class'

    def __init__(self, config):
        super(BertForSequenceToSequence, self).__init__(config)
        self.bert = nn.Linear(config.hidden_size, config.hidden_size)
        self.cls = nn.Linear(config.hidden_size, config.vocab_size)

        self.log_softmax = nn.LogSoftmax()

        self.source_type_id = config.source_type_id
        self.target_type_id = config.target_type_id

    def forward(self, x, labels):
        scores = self.cls(self.bert(x))
        return F.nll_loss(F.log_softmax(scores.view(-1, scores.size(-1)), dim=-1), labels.view(-1))
