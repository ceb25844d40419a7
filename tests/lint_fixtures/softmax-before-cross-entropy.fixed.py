import torch
import torch.nn.functional as F
from torch import nn

logits = torch.randn(8, 5)
target = torch.randint(0, 5, (8,))
criterion = nn.CrossEntropyLoss()

loss = F.cross_entropy(logits, target)  # expect: softmax-before-cross-entropy
probs = torch.softmax(logits, dim=-1)
loss = criterion(logits, target)  # expect: softmax-before-cross-entropy
loss = criterion(logits, target)  # expect: softmax-before-cross-entropy


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 5)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        return self.softmax(self.fc(x))


model = Classifier()
seq = nn.Sequential(nn.Linear(16, 5), nn.Softmax(dim=1))
x = torch.randn(8, 16)
out = model(x)
loss = criterion(out, target)  # expect: softmax-before-cross-entropy
loss = F.cross_entropy(seq(x), target)  # expect: softmax-before-cross-entropy
# huggingface/peft examples/pvera: the probe moved as it is built
probe = nn.Sequential(nn.LazyLinear(5), nn.Softmax(-1)).to("cpu")
loss = criterion(probe(x), target)  # expect: softmax-before-cross-entropy

# --- correct code ----------------------------------------------------------------------
loss = F.cross_entropy(logits, target)
loss = criterion(logits, target)
loss = F.cross_entropy(F.log_softmax(logits, dim=1), target)  # harmless: log_softmax is idempotent
plain = nn.Sequential(nn.Linear(16, 5), nn.ReLU(), nn.Linear(5, 5))
loss = criterion(plain(x), target)
# softmax only for reporting
confidence = F.softmax(logits, dim=1).max(dim=1).values
loss = F.cross_entropy(logits, target)
# soft targets are probabilities on purpose
soft = F.softmax(torch.randn(8, 5) / 0.5, dim=1)
loss = F.cross_entropy(logits, soft)


class TripletLoss(nn.Module):
    # mlelarge/graph_neural_net (PR 37): the loss, held on self from a default argument, is
    # fed each row block of a softmax, one iteration at a time
    def __init__(self, loss=nn.CrossEntropyLoss(reduction="sum")):
        super().__init__()
        self.loss = loss

    def forward(self, raw_scores, target):
        outputs = torch.softmax(raw_scores, -1)
        total = 0
        for out in outputs:
            total = total + self.loss(out, target)  # expect: softmax-before-cross-entropy
        return total


class CapsuleLoss(nn.Module):
    # nii-yamagishilab/Capsule-Forensics-v2: each capsule's slice of a softmax over the
    # last dimension still holds probabilities
    def __init__(self):
        super().__init__()
        self.cross_entropy_loss = nn.CrossEntropyLoss()

    def forward(self, classes, labels):
        return self.cross_entropy_loss(classes[:, 0, :], labels)


def capsule_training(z, labels, z_last):
    capsule_loss = CapsuleLoss()
    classes = F.softmax(z, dim=-1)
    loss = capsule_loss(classes, labels)  # expect: softmax-before-cross-entropy
    criterion = nn.CrossEntropyLoss()
    loss = loss + criterion(classes[:, 1, :], labels)  # expect: softmax-before-cross-entropy
    loss = loss + criterion(classes[:, :, 0], labels)  # the softmax dimension picked apart
    by_rows = F.softmax(z_last, dim=1)
    return loss + capsule_loss(by_rows, labels) + criterion(by_rows[:, :, 0], labels)  # over dim 1: unsure


def masked_answer_loss(scores, mask, target):
    # bowang-lab/Transformer-GCN-QA: exp(log_softmax(x)) is a softmax all the same
    probs = torch.exp(F.log_softmax(scores.masked_fill(mask, -1e9), dim=-1))
    return nn.CrossEntropyLoss()(probs, target)  # expect: softmax-before-cross-entropy


# jinserk/pytorch-asr asr/models/convnet (a0b7dc1): forward() applies its softmax only when
# asked (`softmax=False` by default); the training call does not ask
class ConvEncoderY(nn.Module):
    def __init__(self, x_dim=16, y_dim=4):
        super().__init__()
        self.fc = nn.Linear(x_dim, y_dim)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x, softmax=False):
        x = self.fc(x)
        if softmax:
            x = self.softmax(x)
        return x


def train_convnet(data_loader, optimizer):
    encoder = ConvEncoderY()
    loss_fn = nn.CrossEntropyLoss()
    for xs, ys in data_loader:
        loss = loss_fn(encoder(xs, softmax=False), ys)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


class HandedDropout(nn.Module):
    # applies the layer it is handed (ConcreteDropout's ``forward(self, x, layer)``)
    def __init__(self, p=0.1):
        super().__init__()
        self.drop = nn.Dropout(p)

    def forward(self, x, layer):
        output = layer(self.drop(x))
        return output


class HandedSoftmaxNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 64)
        self.fc2 = nn.Linear(64, 10)
        self.relu = nn.ReLU()
        self.softmax = nn.Softmax(dim=1)
        self.cd1 = HandedDropout()
        self.cd2 = HandedDropout()

    def forward(self, x):
        x = self.cd1(x, nn.Sequential(self.fc1, self.relu))
        return self.cd2(x, nn.Sequential(self.fc2, self.softmax))


class HandedLogitsNet(HandedSoftmaxNet):
    def forward(self, x):
        x = self.cd1(x, nn.Sequential(self.fc1, self.relu))
        return self.cd2(x, self.fc2)


def train_handed(loader, optimizer):
    model = HandedSoftmaxNet()
    logits_model = HandedLogitsNet()
    for data, target in loader:
        loss = F.cross_entropy(model(data), target)  # expect: softmax-before-cross-entropy
        loss = loss + F.cross_entropy(logits_model(data), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


class DualEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)
        self.final_layer = nn.Softmax(dim=1)

    def forward(self, x):
        return self.final_layer(self.fc(x))


class SupervisedTrainer:
    # IBM/dstc-noesis (issue 18): the loss held in self.loss_func, a parameter defaulting to
    # CrossEntropyLoss, read through a local alias and fed the dual encoder's softmax
    def __init__(self, loss_func=nn.CrossEntropyLoss()):
        self.loss_func = loss_func

    def _train_batch(self, x, y, model: DualEncoder):
        loss_func = self.loss_func
        outputs = model(x)
        if len(outputs.size()) == 1:
            outputs = outputs.unsqueeze(0)
        loss = loss_func(outputs, y)  # expect: softmax-before-cross-entropy
        loss.backward()
        return loss


class CrossEntropyLossNM(nn.Module):
    """A wrapper that reshapes the logits of any rank for the loss it holds
    (NVIDIA/VariantWorks#167, around NeMo's loss of the same name)."""

    def __init__(self, logits_ndim=2):
        super().__init__()
        self._logits_dim = logits_ndim
        self._criterion = nn.CrossEntropyLoss()

    def forward(self, logits, labels):
        if self._logits_dim > 2:
            logits = logits.reshape(-1, logits.shape[-1])
            labels = labels.reshape(-1)
        return self._criterion(logits, labels)


def train_consensus(encodings, labels):
    vz_ce_loss = CrossEntropyLossNM(logits_ndim=3)
    vz = F.softmax(encodings, dim=2)
    return vz_ce_loss(logits=vz, labels=labels)  # expect: softmax-before-cross-entropy


class GraphTrainer:
    """The loss set by task, the output formatted by task, both by the same test
    (DeepRank/Deeprank-GNN#60)."""

    def __init__(self, model, task):
        self.model = model
        self.task = task
        self.optimizer = torch.optim.Adam(model.parameters())
        self.set_loss()

    def set_loss(self):
        if self.task == "reg":
            self.loss = nn.MSELoss()
        elif self.task == "class":
            self.loss = nn.CrossEntropyLoss()

    def _epoch(self, loader):
        for x, y in loader:
            self.optimizer.zero_grad()
            pred, y = self.format_output(self.model(x), y)
            loss = self.loss(pred, y)  # expect: softmax-before-cross-entropy
            loss.backward()
            self.optimizer.step()

    def eval(self, loader):
        loss_func, loss_val = self.loss, 0
        with torch.no_grad():
            for x, y in loader:
                pred, y = self.format_output(self.model(x), y)
                loss_val += loss_func(pred, y).item()  # expect: softmax-before-cross-entropy
        return loss_val

    def format_output(self, pred, target=None):
        if self.task == "class":
            pred = F.softmax(pred, dim=1)
        else:
            pred = pred.reshape(-1)
        return pred, target
