"""Research-style code: warm-up schedules, plateau schedulers, bf16 autocast without a
scaler, metric computation with numpy, and a teacher model kept out of the parameters."""

import contextlib
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Student(nn.Module):
    def __init__(self, teacher: nn.Module, dim: int = 16, classes: int = 3):
        super().__init__()
        self.teacher = [teacher]  # not a submodule on purpose: never trained, never saved
        self.body = nn.Sequential(nn.Linear(dim, dim), nn.SiLU(), nn.Dropout(0.2))
        self.classifier = nn.Linear(dim, classes)
        self.temperature = 2.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.body(x))

    def distill_loss(self, x, y):
        logits = self(x)
        with torch.no_grad():
            teacher_logits = self.teacher[0](x)
        soft_targets = F.softmax(teacher_logits / self.temperature, dim=-1)
        kd = F.kl_div(F.log_softmax(logits / self.temperature, dim=-1), soft_targets, reduction="batchmean")
        return kd * self.temperature**2 + F.cross_entropy(logits, y)


def warmup_cosine(step, warmup, total):
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * (1 + math.cos(math.pi * progress))


def train(student: Student, batches, val_batches, epochs=2):
    optimizer = torch.optim.AdamW(student.parameters(), lr=1e-3)
    total = epochs * len(batches)
    warmup = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: warmup_cosine(s, 10, total))
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=1)
    history = []
    for epoch in range(epochs):
        student.train()
        epoch_loss = 0.0
        for x, y in batches:
            with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
                loss = student.distill_loss(x, y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            warmup.step()
            epoch_loss += float(loss)
        val_loss, val_acc = evaluate(student, val_batches)
        plateau.step(val_loss)
        history.append((epoch_loss / len(batches), val_loss, val_acc))
    return history


@torch.inference_mode()
def evaluate(model: nn.Module, batches):
    model.eval()
    losses, preds, labels = [], [], []
    for x, y in batches:
        logits = model(x)
        losses.append(F.cross_entropy(logits, y).item())
        preds.append(logits.argmax(dim=-1).cpu().numpy())
        labels.append(y.numpy())
    model.train()
    preds_np, labels_np = np.concatenate(preds), np.concatenate(labels)
    return float(np.mean(losses)), float((preds_np == labels_np).mean())


def embeddings(model: nn.Module, x: torch.Tensor) -> np.ndarray:
    model.eval()
    with torch.no_grad():
        feats = model.body(x)
    return feats.cpu().numpy()


def confusion(model: Student, x, y, classes=3):
    model.eval()
    out = model(x).detach()
    matrix = np.zeros((classes, classes), dtype=np.int64)
    for p, t in zip(out.argmax(1).tolist(), y.tolist()):
        matrix[t, p] += 1
    return matrix


if __name__ == "__main__":
    teacher = nn.Linear(16, 3).eval()
    data = [(torch.randn(8, 16), torch.randint(0, 3, (8,))) for _ in range(4)]
    print(train(Student(teacher), data, data))


def fit_and_validate(model, train_loader, valid_loader, optimizer, criterion, n_epochs):
    # the same validation loop, switched to eval mode first; a loop over held-out data that
    # trains (fine-tuning on the validation split) is no evaluation
    for epoch in range(n_epochs):
        model.train()
        for data, target in train_loader:
            optimizer.zero_grad()
            criterion(model(data), target).backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            for data, target in valid_loader:
                print(criterion(model(data), target).item())
        model.train()
        for data, target in valid_loader:
            optimizer.zero_grad()
            criterion(model(data), target).backward()
            optimizer.step()


class QuickNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(784, 512), nn.Dropout(0.2), nn.Linear(512, 10))

    def forward(self, x):
        return self.body(x.flatten(1))


def quick_train(dataloader, model, loss_fn, optimizer):
    model.train()  # the fixed quickstart: each epoch's training starts in train mode
    for X, y in dataloader:
        loss = loss_fn(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def quick_test(dataloader, model):
    model.eval()
    with torch.no_grad():
        for X, y in dataloader:
            print(model(X).argmax(1).eq(y).sum().item())


def quickstart(train_dataloader, test_dataloader, loss_fn):
    model = QuickNet().to("cpu")
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
    for t in range(5):
        quick_train(train_dataloader, model, loss_fn, optimizer)
        quick_test(test_dataloader, model)


def frozen_statistics(train_dataloader, test_dataloader, loss_fn):
    # batch-norm statistics frozen on purpose: eval() before the loop
    model = QuickNet().to("cpu")
    model.eval()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
    for t in range(5):
        for X, y in train_dataloader:
            optimizer.zero_grad()
            loss_fn(model(X), y).backward()
            optimizer.step()
        quick_test(test_dataloader, model)


class MultiSourceModel(nn.Module):
    # botorch's multi-source GP: one model per source, fitted in __init__ only to pick the
    # reliable points; none of them is part of the final model
    def __init__(self, sources):
        super().__init__()
        self.models = [nn.Linear(2, 1) for _ in sources]
        picked = [m(s).argmax() for m, s in zip(self.models, sources)]
        self.head = nn.Linear(len(picked), 1)

    def forward(self, x):
        return self.head(x)


class TwoCallers(nn.Module):
    # a loss helper called with logits in one place and probabilities in another: unknown
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 1)

    def forward(self, x):
        return self.fc(x)

    def loss(self, scores, labels):
        return F.binary_cross_entropy_with_logits(scores, labels)

    def step(self, x, y):
        return self.loss(self.forward(x), y) + self.loss(torch.sigmoid(self.forward(x)), y)


def train_with_ema_teacher(model, loader, optimizer, criterion):
    # layumi's re-id baseline: the averaged teacher, built here, only ever runs under no_grad
    # in eval mode; the student is the one trained
    teacher = torch.optim.swa_utils.AveragedModel(model)
    model.train()
    for epoch in range(3):
        for x, y in loader:
            teacher.eval()
            with torch.no_grad():
                target = teacher(x)
            optimizer.zero_grad()
            (criterion(model(x), y) + (model(x) - target).pow(2).mean()).backward()
            optimizer.step()
            teacher.update_parameters(model)


def transcribe(processor, model, loader):
    """Hugging Face's generate() in the eval mode its callers set, two calls up."""
    texts = []
    with torch.no_grad():
        for batch in loader:
            texts.extend(processor.batch_decode(model.generate(batch["pixels"])))
    return texts


def ocr_accuracy(state):
    texts = transcribe(state.processor, state.model, state.val_loader)
    return sum(t == label for t, label in zip(texts, state.labels)) / len(texts)


def train_ocr(state, epochs):
    model = state.model
    optimizer = torch.optim.AdamW(model.parameters())
    for epoch in range(epochs):
        model.train()
        for batch in state.train_loader:
            model(**batch).loss.backward()
            optimizer.step()
            optimizer.zero_grad()
        model.eval()
        print(ocr_accuracy(state))


def _get_no_grad_ctx_mgr():
    """torch.no_grad() on torch >= 0.4, a no-op before (carpedm20/ENAS-pytorch)."""
    if float(torch.__version__[0:3]) >= 0.4:
        return torch.no_grad()
    return contextlib.suppress()


class SearchTrainer:
    """Evaluation runs only inside the project's own no_grad context manager."""

    def __init__(self, shared, data, optimizer):
        self.shared = shared
        self.data = data
        self.optimizer = optimizer

    def evaluate_dag(self, data):
        self.shared.eval()
        correct = 0
        for x, y in data:
            correct += (self.shared(x).argmax(1) == y).sum().item()
        return correct

    def train_shared(self):
        self.shared.train()
        for x, y in self.data:
            self.optimizer.zero_grad()
            F.cross_entropy(self.shared(x), y).backward()
            self.optimizer.step()
        with _get_no_grad_ctx_mgr():
            return self.evaluate_dag(self.data)


class EnergyModel(nn.Module):
    """jmtomczak/intro_dgm's EBM: the loss its forward returns draws Langevin samples, each
    step asking autograd for the energy's gradient, so evaluating it needs autograd."""

    def __init__(self, energy_net, steps):
        super().__init__()
        self.energy_net = energy_net
        self.steps = steps

    def energy_gradient(self, x):
        x_i = x.detach().clone().requires_grad_(True)
        return torch.autograd.grad(torch.logsumexp(self.energy_net(x_i), 1).sum(), [x_i])[0]

    def sample(self, x):
        for _ in range(self.steps):
            x = x + 0.01 * self.energy_gradient(x) + 0.005 * torch.randn_like(x)
        return x

    def classify(self, x):
        return self.energy_net(x).argmax(1)

    def forward(self, x, y):
        logits = self.energy_net(x)
        negative = self.energy_net(self.sample(torch.rand_like(x)))
        return F.cross_entropy(logits, y) - (torch.logsumexp(logits, 1) - torch.logsumexp(negative, 1)).mean()


def energy_evaluation(loader, model_best):
    model_best.eval()
    total, errors = 0.0, 0
    for x, y in loader:
        total += model_best.forward(x, y).item()
        errors += (model_best.classify(x) != y).sum().item()
    return total, errors


def mas_importance(model, loader):
    """Memory Aware Synapses' importance (ML2022Spring HW14's skeleton): each batch clears
    the gradients it is about to accumulate; the backward is the student's TODO."""
    omega = {n: torch.zeros_like(p) for n, p in model.named_parameters()}
    model.eval()
    for x, _ in loader:
        model.zero_grad()
        output = model(x)
        # TODO: output.pow(2).sum(1).mean().backward(), then add |p.grad| to omega
        del output
    return omega


def lightning_predictions(model, loader):
    """A LightningModule frozen first (``freeze()``: no parameter needs gradients, eval
    mode): autograd records nothing (a Kaggle Lyft motion-prediction notebook)."""
    model.freeze()
    model.eval()
    predictions = []
    for batch in loader:
        predictions.append(model(batch["image"]).cpu().numpy())
    return predictions


class CaptionRNN(torch.nn.Module):
    """A model whose own sampling method runs under ``@torch.no_grad()``."""

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Sequential(torch.nn.Dropout(0.1), torch.nn.Linear(8, 8))

    def forward(self, x):
        return self.linear(x)

    @torch.no_grad()
    def inference(self, x):
        self.eval()
        return self.forward(x).argmax(-1)


caption_model = CaptionRNN()


def evaluate_captions(embeds_loader):
    caption_model.eval()
    predictions = []
    for embeds in embeds_loader:
        predictions += caption_model.inference(embeds).tolist()
    return predictions


def importance(model, loader):
    """Fisher information: the loop clears and backpropagates on purpose (not evaluation)."""
    model.eval()
    scores = [torch.zeros_like(p) for p in model.parameters()]
    for x, y in loader:
        model.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        for s, p in zip(scores, model.parameters()):
            s += p.grad.detach() ** 2
    return scores


def estimate_grads(model, loader):
    """Named for no evaluation: a clearing per batch is left for a backward still to write."""
    model.eval()
    for x, y in loader:
        model.zero_grad()
        out = model(x)
        print(out.shape)


class Emulator(nn.Module):
    """Predictions under no_grad, or with the gradients they need."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.1), nn.Linear(8, 1))

    def forward(self, x):
        return self.net(x)

    def _predict(self, x):
        self.eval()
        with torch.no_grad():
            return self(x)

    @torch.no_grad()
    def predict(self, x):
        self.eval()
        return self(x)

    def predict_with_saliency(self, x):
        self.eval()
        x.requires_grad_(True)
        out = self(x)
        return torch.autograd.grad(out.sum(), x)[0]


@torch.no_grad()
def embed_one(item, model):
    return model(item).numpy()


def fit_one(item, model, optimizer):
    optimizer.zero_grad()
    model(item).sum().backward()
    optimizer.step()


def embed_all(items, model):
    return [embed_one(x, model) for x in items]


def refine(items, model, optimizer):
    for x in items:
        fit_one(x, model, optimizer)


def embed_and_refine(items, model, optimizer):
    model.eval()
    embed_all(items, model)
    refine(items, model, optimizer)
