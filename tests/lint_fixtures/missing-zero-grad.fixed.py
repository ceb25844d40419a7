import itertools

import torch
import torch.nn.functional as F
from torch import nn

model = nn.Linear(10, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
loader = [(torch.randn(4, 10), torch.randint(0, 2, (4,))) for _ in range(3)]


def train_forgot(model, loader, optimizer):
    for x, y in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()  # expect: missing-zero-grad


def train_zeroed_once_before_loop(model, loader, opt):
    opt.zero_grad()
    for x, y in loader:
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()  # expect: missing-zero-grad


for epoch in range(2):
    for x, y in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        if epoch % 2 == 0:
            optimizer.step()  # expect: missing-zero-grad



class InfoGANPlusQ:
    """The info optimizer also steps Q, whose gradients nothing clears."""

    def __init__(self):
        self.G, self.D, self.Q = nn.Linear(4, 4), nn.Linear(4, 1), nn.Linear(4, 2)
        self.G_optimizer = torch.optim.Adam(self.G.parameters())
        self.D_optimizer = torch.optim.Adam(self.D.parameters())
        self.info_optimizer = torch.optim.Adam(list(self.G.parameters()) + list(self.Q.parameters()))

    def train(self, loader):
        for x in loader:
            self.info_optimizer.zero_grad()
            self.D_optimizer.zero_grad()
            self.D(x).mean().backward()
            self.D_optimizer.step()
            self.G_optimizer.zero_grad()
            self.Q(self.G(x)).mean().backward()
            self.G_optimizer.step()
            self.info_optimizer.step()  # expect: missing-zero-grad


# --- correct code: no findings below -------------------------------------------------

class InfoGAN:
    """znxlwm/pytorch-generative-model-collections' infoGAN: the info optimizer steps G's
    and D's parameters, which the two other optimizers clear every iteration."""

    def __init__(self):
        self.G, self.D = nn.Linear(4, 4), nn.Linear(4, 1)
        self.G_optimizer = torch.optim.Adam(self.G.parameters())
        self.D_optimizer = torch.optim.Adam(self.D.parameters())
        self.info_optimizer = torch.optim.Adam(itertools.chain(self.G.parameters(), self.D.parameters()))

    def train(self, loader):
        for x in loader:
            self.D_optimizer.zero_grad()
            self.D(x).mean().backward(retain_graph=True)
            self.D_optimizer.step()
            self.G_optimizer.zero_grad()
            g = self.G(x)
            (-self.D(g).mean()).backward(retain_graph=True)
            self.G_optimizer.step()
            g.pow(2).mean().backward()
            self.info_optimizer.step()

def train_ok(model, loader, optimizer):
    for x, y in loader:
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()


def train_zero_after_step(model, loader, optimizer):
    for x, y in loader:
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)


def train_model_zero_grad(model, loader, optimizer):
    for x, y in loader:
        model.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()


def accumulate(model, loader, optimizer, k=4):
    for i, (x, y) in enumerate(loader):
        (F.cross_entropy(model(x), y) / k).backward()
        if (i + 1) % k == 0:
            optimizer.step()
            optimizer.zero_grad()


def accumulate_per_epoch(model, loader, optimizer, epochs=3):
    for epoch in range(epochs):
        optimizer.zero_grad()
        for i, (x, y) in enumerate(loader):
            F.cross_entropy(model(x), y).backward()
            if i == len(loader) - 1:
                optimizer.step()


def manual_clear(model, loader, optimizer):
    for x, y in loader:
        for p in model.parameters():
            p.grad = None
        F.cross_entropy(model(x), y).backward()
        optimizer.step()


def legacy_manual_clear(model, loader, optimizer):
    for x, y in loader:
        for p in model.parameters():
            if p.grad is not None:
                p.grad.data.zero_()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()


def reset(optimizer):
    optimizer.zero_grad(set_to_none=True)


def helper_clear(model, loader, optimizer):
    for x, y in loader:
        reset(optimizer)
        F.cross_entropy(model(x), y).backward()
        optimizer.step()


def lbfgs(model, loader):
    opt = torch.optim.LBFGS(model.parameters())
    for x, y in loader:
        def closure():
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            return loss
        opt.step(closure)


def single_step(model, x, y, optimizer):
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()


class Recipe:
    # pytorch/torchtune recipes: the scheduler's factory is annotated `-> Optimizer` (a
    # slip); a scheduler it is, by its name, and stepping it clears nothing
    def _setup_lr_scheduler(self, optimizer) -> torch.optim.Optimizer:
        return torch.optim.lr_scheduler.StepLR(optimizer, 10)

    def setup(self, model):
        self._optimizer = torch.optim.AdamW(model.parameters())
        self._lr_scheduler = self._setup_lr_scheduler(self._optimizer)

    def train(self, model, loader):
        for x, y in loader:
            F.cross_entropy(model(x), y).backward()
            self._optimizer.step()
            self._optimizer.zero_grad(set_to_none=True)
            self._lr_scheduler.step()


# Project-MONAI/tutorials 3d_segmentation/swin_unetr_brats21_segmentation_3d.ipynb
# (b3c6c99): one finding, in the helper's loop; the epoch loop that calls it once per
# epoch would only repeat it.
def train_epoch(model, loader, optimizer, epoch, loss_func):
    model.train()
    for idx, (x, y) in enumerate(loader):
        optimizer.zero_grad()
        loss = loss_func(model(x), y)
        loss.backward()
        optimizer.step()  # expect: missing-zero-grad
    return loss.item()


def trainer(model, train_loader, optimizer, loss_func, max_epochs):
    for epoch in range(max_epochs):
        train_loss = train_epoch(
            model,
            train_loader,
            optimizer,
            epoch=epoch,
            loss_func=loss_func,
        )
        print(train_loss)


# OpenNMT/OpenNMT-py onmt/tests/test_embeddings.py (97111d9): a fresh model and optimizer
# for each case, one step each; diffusers' pix2pix-zero builds its optimizer per denoising
# step on a fresh tensor the same way. Nothing accumulates.
def test_trainable_params_update(cases):
    for init_case in cases:
        emb = nn.Embedding(**init_case)
        trainable = [p for p in emb.parameters() if p.requires_grad]
        emb(torch.tensor([0, 1])).mean().backward()
        dummy_optim = torch.optim.SGD(trainable, 1)
        dummy_optim.step()


def rebuild_optimizer_each_batch(model, loader):
    for x, y in loader:
        opt = torch.optim.SGD(model.parameters(), lr=0.1)  # the model's .grad still accumulates
        F.cross_entropy(model(x), y).backward()
        opt.step()  # expect: missing-zero-grad


def flow_training(model, optimizer, batches):
    import normflows as nf

    # normflows' ``clear_grad(model)`` sets every parameter's ``.grad`` to None (fab-torch)
    for x in batches:
        loss = model(x).pow(2).mean()
        loss.backward()
        optimizer.step()
        nf.utils.clear_grad(model)


def detector_epoch(detector, loader, model, optimizer):
    # the detector's own optimizer is stepped here; its loss method (of a class not seen
    # here) may clear it, as incDFM's ODIN detector does (``self.h_optimizer.zero_grad()``)
    for x, y in loader:
        optimizer.zero_grad()
        loss = detector.get_loss(x, y)
        loss.backward()
        optimizer.step()
        detector.h_optimizer.step()


def detector_epoch_without_its_methods(detector, loader, model, optimizer):
    for x, y in loader:
        detector.h_optimizer.zero_grad()
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y) + detector.penalty
        loss.backward()
        optimizer.step()
        detector.h_optimizer.step()  # expect: missing-zero-grad


# alibaba/EasyNLP's Trainer (before its fix): the step helper clears the gradients in its
# plain arm only; the AMP arm steps the scaler and leaves them to accumulate
class AmpTrainer:
    def __init__(self, model, optimizer, scaler, loader, use_amp):
        self.model, self._optimizer, self._scaler = model, optimizer, scaler
        self.loader, self.use_amp = loader, use_amp

    def optimizer_step(self):
        if self.use_amp:
            self._scaler.step(self._optimizer)
            self._scaler.update()
        else:
            self._optimizer.step()
            self._optimizer.zero_grad()

    def optimizer_step_cleared(self):
        if self.use_amp:
            self._scaler.step(self._optimizer)
            self._scaler.update()
        else:
            self._optimizer.step()
        self._optimizer.zero_grad()

    def after_iter(self, step):
        if (step + 1) % 4 == 0:
            self.optimizer_step()

    def train(self):
        for step, batch in enumerate(self.loader):
            loss = self.model(batch)
            if self.use_amp:
                self._scaler.scale(loss).backward()
            else:
                loss.backward()
            self.after_iter(step)  # expect: missing-zero-grad

    def train_cleared(self):
        for step, batch in enumerate(self.loader):
            loss = self.model(batch)
            loss.backward()
            self.optimizer_step_cleared()


class EMAWeightOptimizer(object):
    # Britefury/cutmix-semisup-seg's optim_weight_ema: step() averages the student's weights
    # into the teacher and reads no gradient
    def __init__(self, target_net, source_net, alpha):
        self.pairs = list(zip(target_net.parameters(), source_net.parameters()))
        self.alpha = alpha

    def step(self):
        for target, source in self.pairs:
            target.data.mul_(self.alpha).add_(source.data * (1 - self.alpha))


def mean_teacher(student, teacher, loader, model_kind):
    student_optim = torch.optim.Adam(student.parameters())
    if model_kind == "mean_teacher":
        teacher_optim = EMAWeightOptimizer(teacher, student, 0.99)
    else:
        teacher_optim = None
    for x, y in loader:
        student_optim.zero_grad()
        F.cross_entropy(student(x), y).backward()
        student_optim.step()
        if teacher_optim is not None:
            teacher_optim.step()
