import torch
import torch.nn.functional as F
from torch import nn

logits = torch.randn(8, 1)
target = torch.rand(8, 1)
bce_logits = nn.BCEWithLogitsLoss()

loss = bce_logits(logits, target)  # expect: sigmoid-before-bce-with-logits
scores = logits.sigmoid()
loss = F.binary_cross_entropy_with_logits(logits, target)  # expect: sigmoid-before-bce-with-logits


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, 1), nn.Sigmoid())

    def forward(self, x):
        return self.net(x)


head = Head()
loss = bce_logits(head(torch.randn(8, 4)), target)  # expect: sigmoid-before-bce-with-logits

# --- correct code ----------------------------------------------------------------------
loss = bce_logits(logits, target)
loss = F.binary_cross_entropy(torch.sigmoid(logits), target)
loss = nn.BCELoss()(scores, target)
loss = F.binary_cross_entropy_with_logits(logits, torch.sigmoid(target))


def calc_bce(pred, gt, lerp_bound=None):
    """facebookresearch/pytorch3d's metric_utils.calc_bce: the sigmoid is taken in the arm
    that returns; the other arm's loss gets the raw logits."""
    if lerp_bound is not None:
        pred = F.sigmoid(pred)
        return (pred - gt).abs().clamp(max=lerp_bound).mean()
    else:
        return F.binary_cross_entropy_with_logits(pred, gt)


class WeightedFocalLoss(nn.Module):
    # meilfang/LMFD-PAD (PR 1): a focal loss whose forward hands its input to the logits loss
    def __init__(self, gamma=2):
        super().__init__()
        self.gamma = gamma

    def forward(self, inputs, targets):
        bce = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
        return ((1 - torch.exp(-bce)) ** self.gamma * bce).mean()


class PadNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 1)
        self.map = nn.Linear(8, 4)

    def forward(self, x):
        return torch.sigmoid(self.fc(x)), self.map(x)


def train_pad(loader):
    model = PadNet()
    criterion = WeightedFocalLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for images, labels in loader:
        optimizer.zero_grad()
        pred, map_y = model(images)
        pred = torch.squeeze(pred)
        loss = criterion(pred.type(torch.FloatTensor), labels.float())  # expect: sigmoid-before-bce-with-logits
        loss.backward()
        optimizer.step()


class FineTuner(nn.Module):
    # Lightning's computer-vision fine-tuning example (PR 7096): the loss helper's input is
    # what its one caller passes, the sigmoid the forward ends in
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 1)
        self.loss_func = F.binary_cross_entropy_with_logits

    def forward(self, x):
        return torch.sigmoid(self.fc(x))

    def loss(self, logits, labels):
        return self.loss_func(input=logits, target=labels)  # expect: sigmoid-before-bce-with-logits

    def training_step(self, batch):
        x, y = batch
        y_logits = self.forward(x)
        return self.loss(y_logits, y.view(-1, 1).float())


def picked_probabilities(logits, y):
    probs = torch.sigmoid(logits)
    return F.binary_cross_entropy_with_logits(probs[:, 0], y)  # expect: sigmoid-before-bce-with-logits


class OptionalSigmoidDiscriminator(nn.Module):
    # Yagami360/MachineLearning_Exercises_Python_PyTorch: the sigmoid runs only when the
    # model is built with activate=True (off by default); what it returns depends on each
    # construction, which is not followed
    def __init__(self, activate=False):
        super().__init__()
        self.layer = nn.Linear(4, 1)
        self.activate = activate
        if self.activate:
            self.activate_layer = nn.Sigmoid()

    def forward(self, x):
        output = self.layer(x)
        if self.activate:
            output = self.activate_layer(output)
        return output.view(-1)


def train_optional_sigmoid(loader):
    model_d = OptionalSigmoidDiscriminator()
    loss_fn = nn.BCEWithLogitsLoss()
    for x, y in loader:
        loss_fn(model_d(x), y).backward()
