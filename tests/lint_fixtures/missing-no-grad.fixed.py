import time

import torch
import torch.nn.functional as F
from torch.autograd import Variable

model = torch.nn.Linear(10, 2)
loader = [(torch.randn(4, 10), torch.randint(0, 2, (4,)))]


def evaluate(model, loader):
    model.eval()
    correct = 0
    with torch.no_grad():
        for x, y in loader:
            logits = model(x)  # expect: missing-no-grad
            correct += (logits.argmax(1) == y).sum().item()
    return correct


print(evaluate(model, loader))

model.eval()
outputs = []
with torch.no_grad():
    for x, _ in loader:
        outputs.append(model(x).detach())  # expect: missing-no-grad


# --- correct code ----------------------------------------------------------------------
@torch.no_grad()
def evaluate_ok(model, loader):
    model.eval()
    return [model(x) for x, _ in loader]


def evaluate_with(model, loader):
    model.eval()
    with torch.inference_mode():
        for x, _ in loader:
            print(model(x))


def evaluate_called_under_no_grad(model, loader):
    model.eval()
    for x, _ in loader:
        print(model(x))


with torch.no_grad():
    evaluate_called_under_no_grad(model, loader)


def adversarial(model, loader):
    model.eval()
    for x, y in loader:
        x.requires_grad_(True)
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        print(x.grad.sign())


def saliency(model, loader):
    model.eval()
    for x, y in loader:
        grads = torch.autograd.grad(model(x).sum(), x)
        print(grads)


def global_switch(model, loader):
    torch.set_grad_enabled(False)
    model.eval()
    for x, _ in loader:
        print(model(x))


# Reached through an intermediate helper: main -> with no_grad: evaluate_all() -> evaluate_one()
def evaluate_one(model, loader):
    model.eval()
    return [model(x) for x, _ in loader]


def evaluate_all(models, loader):
    return [evaluate_one(m, loader) for m in models]


def main_eval(models, loader):
    with torch.no_grad():
        return evaluate_all(models, loader)


# Two levels up, a decorated caller: @torch.inference_mode() report -> summarize -> score
def score(model, loader):
    model.eval()
    for x, _ in loader:
        print(model(x))


def summarize(model, loader):
    score(model, loader)


@torch.inference_mode()
def report(model, loader):
    summarize(model, loader)


# Recursion never reached under no_grad: reported, and the walk ends
def walk_tree(model, loader, depth):
    model.eval()
    with torch.no_grad():
        for x, _ in loader:
            print(model(x))  # expect: missing-no-grad
    if depth:
        walk_tree(model, loader, depth - 1)


def ping(model, loader):
    pong(model, loader)


def pong(model, loader):
    ping(model, loader)
    walk_tree(model, loader, 2)


# Reached only through a helper that nobody calls under no_grad
def measure(model, loader):
    model.eval()
    with torch.no_grad():
        for x, _ in loader:
            print(model(x))  # expect: missing-no-grad


def measure_all(model, loader):
    measure(model, loader)


measure_all(model, loader)


# The caller's no_grad region is switched back on around the call: gradients are recorded
def probe(model, loader):
    model.eval()
    with torch.no_grad():
        for x, _ in loader:
            print(model(x))  # expect: missing-no-grad


def probe_with_grad(model, loader):
    with torch.no_grad():
        with torch.enable_grad():
            probe(model, loader)


# rasbt/deeplearning-models pytorch_ipynb/autoencoder/ae-conv-nneighbor-celeba.ipynb
# (18e0469): one batch taken to look at the reconstruction, not an evaluation loop.
def show_one_batch(model, train_loader, device):
    model.eval()
    for batch_idx, features in enumerate(train_loader):
        features = features.to(device)
        logits, decoded = model(features)
        break
    return decoded.detach().cpu().numpy()


# pytorch/botorch test/models/transforms/test_outcome.py (e390e13): an earlier transform of
# the same name was put in eval mode; each pass builds a fresh one, in train mode.
def check_fresh_transforms(shapes):
    tf = torch.nn.Linear(3, 1)
    tf.eval()
    for shape in shapes:
        tf = torch.nn.Linear(3, 1)
        assert tf.training
        tf(torch.rand(*shape, 3))



def nograd(f):
    """chenyuntc/simple-faster-rcnn-pytorch: a decorator of the file that runs the
    function it wraps under no_grad."""
    def new_f(*args, **kwargs):
        with torch.no_grad():
            return f(*args, **kwargs)
    return new_f


@nograd
def predict_all(net, images):
    net.eval()
    return [net(x).argmax(1) for x in images] + [net(x) for x in images if x is not None]


@nograd
def predict_loop(net, images):
    net.eval()
    out = []
    for x in images:
        out.append(net(x))
    return out


def robust_accuracy(model, loader, adversary):
    # jindongwang/transferlearning (ReMoS eval_robustness.py): advertorch's
    # adversary.perturb runs backward on the input itself; the loop needs autograd
    model.eval()
    correct = 0
    for batch, label in loader:
        advbatch = adversary.perturb(batch, label)
        correct += int(model(advbatch).argmax(1).eq(label).sum().item())
    return correct


def compute_accuracy(model, data_loader):
    # rasbt/deeplearning-models' notebooks: the epoch loop switches the model to eval mode
    # and calls this helper, which never turns autograd off
    correct = 0
    with torch.no_grad():
        for features, targets in data_loader:
            logits = model(features)  # expect: missing-no-grad
            correct += (logits.argmax(1) == targets).sum()
    return correct


def predict_batches(net, batches):
    return [net(x) for x in batches]


def fit_one(net, batches, opt):
    for x, y in batches:
        take_step(net(x).sum(), opt)  # the helper runs backward: the loop trains


def take_step(loss, opt):
    opt.zero_grad()
    loss.backward()
    opt.step()


def epochs(model, loader, batches, opt):
    model = model.eval()
    print(compute_accuracy(model, loader))
    model.eval()
    with torch.no_grad():
        predict_batches(model, batches)  # under no_grad at its only caller
    model.eval()  # frozen batch norm while fine-tuning
    fit_one(model, batches, opt)


def perceptual_path_length(sampler, batches, teacher):
    # NVlabs/stylegan3's PPL metric: the parameters are frozen, autograd records nothing
    sampler.eval().requires_grad_(False).to("cuda")
    dist = [sampler(c) for c in batches]
    teacher.eval()
    for p in teacher.parameters():
        p.requires_grad = False
    for c in batches:
        dist.append(teacher(c))
    return dist


class Pix2Pix(torch.nn.Module):
    # NVlabs/SPADE: the inference mode of forward turns autograd off itself
    def __init__(self):
        super().__init__()
        self.netG = torch.nn.Conv2d(3, 3, 3)

    def forward(self, data, mode):
        if mode == "inference":
            with torch.no_grad():
                return self.netG(data)
        return self.netG(data)


def spade_test(batches):
    model = Pix2Pix()
    model.eval()
    for data in batches:
        print(model(data, mode="inference"))


def frozen_elsewhere(model, other, batches):
    other.requires_grad_(False)  # another model frozen: this one still records
    model.eval()
    with torch.no_grad():
        for c in batches:
            print(model(c))  # expect: missing-no-grad


def fixed_feature_extractor(transfer_model, val_loader):
    # L1aoXingyu/code-of-learn-deep-learning-with-pytorch's fix_train.py: the backbone is
    # frozen, then a new head is set: its parameters require grad
    for param in transfer_model.parameters():
        param.requires_grad = False
    transfer_model.fc = torch.nn.Linear(512, 2)
    transfer_model.eval()
    with torch.no_grad():
        for img, label in val_loader:
            print(transfer_model(img))  # expect: missing-no-grad


class ManualBatchNorm(torch.nn.BatchNorm2d):
    # ptrblck/pytorch_misc's batch_norm_manual.py: only the running statistics are updated
    # under no_grad; the output is still recorded
    def forward(self, input):
        mean = input.mean([0, 2, 3])
        if self.training:
            with torch.no_grad():
                self.running_mean = 0.1 * mean + 0.9 * self.running_mean
        return (input - mean[None, :, None, None]) * self.weight[None, :, None, None]


def manual_bn_eval(batches):
    my_bn = ManualBatchNorm(3)
    my_bn.eval()
    with torch.no_grad():
        for x in batches:
            print(my_bn(x))  # expect: missing-no-grad


def load_model(path):
    # CSAILVision/places365's demo_pytorch_CAM.py: the helper switches the model to eval mode
    # and returns it; the demo then serves every image with model.forward(img)
    model = torch.load(path)
    model.eval()
    return model


def load_frozen(path):
    return torch.load(path).eval()


def serve(paths):
    model = load_model("wideresnet18_places365.pth.tar")
    with torch.no_grad():
        for p in paths:
            print(model.forward(p))  # expect: missing-no-grad
    for p in paths:
        print(model(p))  # (the same model's next loop: one finding per model)
    net = load_frozen("x")
    net.train()  # trained after all: no evaluation loop
    for p in paths:
        print(net(p))
    other = load_frozen("y")
    with torch.no_grad():
        for p in paths:
            print(other(p))
    moved = load_model("z")
    moved = moved.cuda()  # another binding: its mode is not followed
    for p in paths:
        print(moved(p))


def validate_then_test(prompt_model, validation_loader, test_loader):
    # thunlp/OpenPrompt's tutorial/1.2_soft_verbalizers.py: after one eval(), a validation
    # loop and a test loop, each recording (the nested loop is the first one's)
    prompt_model.eval()
    with torch.no_grad():
        for inputs in validation_loader:
            print(prompt_model(inputs))  # expect: missing-no-grad
            for piece in inputs:
                print(prompt_model(piece))
    with torch.no_grad():
        for inputs in test_loader:
            print(prompt_model(inputs))  # expect: missing-no-grad
    prompt_model.train()
    for inputs in test_loader:
        print(prompt_model(inputs))


# facebookresearch/votenet train.py (237f6ff): the loop hands each batch's predictions to a
# metric's step(predictions, ground_truths): no optimizer step, an evaluation loop
def evaluate_one_epoch(net, loader, ap_calculator):
    net.eval()
    with torch.no_grad():
        for batch in loader:
            end_points = net(batch)  # expect: missing-no-grad
            ap_calculator.step(end_points["pred"], batch["gt"])
    return ap_calculator.compute_metrics()


# gentaiscool/end2end-asr-pytorch trainer/asr/trainer.py (before PR 41): a Variable made with
# requires_grad=False asks for no gradient; the validation loop still records every step
def validate_asr(model, valid_loader, src_percentages):
    model.eval()
    total = 0.0
    with torch.no_grad():
        for src, tgt in valid_loader:
            pred = model(src)  # expect: missing-no-grad
            sizes = Variable(src_percentages.mul_(int(pred.size(1))).int(), requires_grad=False)
            total += float(sizes.sum())
    return total


# dptech-corp/deepmd-pytorch: the wrapper's layer computes forces as gradients of the energy
# (torch.autograd.grad in its forward), so validation needs autograd: no finding
class EnergyModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fit = torch.nn.Linear(3, 1)

    def forward(self, coord):
        coord = coord.clone().requires_grad_(True)
        energy = self.fit(coord).sum(dim=1)
        return -torch.autograd.grad([energy.sum()], [coord], create_graph=True)[0]


class EnergyWrapper(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.net = EnergyModel()

    def forward(self, coord):
        return self.net(coord)


class ModelWrapper(torch.nn.Module):
    """deepmd's wrapper: models handed in, one per task, in a ModuleDict."""

    def __init__(self, model):
        super().__init__()
        self.model = torch.nn.ModuleDict({"Default": model})

    def forward(self, coord, task_key="Default"):
        return self.model[task_key](coord)


def validate_task_forces(loader, model):
    wrapper = ModelWrapper(model)
    wrapper.eval()
    total = 0.0
    for coord in loader:
        total += wrapper(coord).sum().item()
    return total


def validate_forces(loader):
    wrapper = EnergyWrapper()
    wrapper.eval()
    total = 0.0
    for coord in loader:
        total += wrapper(coord).sum().item()
    return total


# tier4/Diffusion-Planner rlvr/closed_loop/batched_rollout.py: the rollout loop calls a method
# that updates the policy online (backward, step): the loop needs autograd
class RolloutManager:
    def __init__(self, policy, steps):
        self.policy = policy
        self.steps = steps
        self.opt = torch.optim.AdamW(policy.parameters(), lr=1e-4)

    def run_rollouts(self, scenes):
        buffers = []
        self.policy.eval()
        for step_t in range(self.steps):
            for enc in scenes:
                buffers.append((enc, self.policy(enc).mean().item()))
            self._online_update(buffers)
        return buffers

    def _online_update(self, buffers):
        self.policy.train()
        self.opt.zero_grad()
        for enc, _ in buffers[-2:]:
            self.policy(enc).pow(2).mean().backward()
        self.opt.step()
        self.policy.eval()


# jpata/particleflow mlpf/pyg/training.py (before PR 290): one function trains or validates
# by a flag; on the validation arm the loop trains nothing and records every forward pass
def train_and_valid(model, optimizer, data_loader, is_train, lr_schedule=None):
    if is_train:
        model.train()
    else:
        model.eval()
    total = 0.0
    for batch in data_loader:
        ypred = model(batch.X)  # expect: missing-no-grad
        if is_train:
            loss = F.mse_loss(ypred, batch.y)
            for param in model.parameters():
                param.grad = None
        else:
            with torch.no_grad():
                loss = F.mse_loss(ypred, batch.y)
        if is_train:
            loss.backward()
            optimizer.step()
            if lr_schedule:
                lr_schedule.step()
        total += loss.item()
    return total


def train_and_valid_fixed(model, optimizer, data_loader, is_train):
    model.train(is_train)
    total = 0.0
    for batch in data_loader:
        with torch.set_grad_enabled(is_train):
            ypred = model(batch.X)
            loss = F.mse_loss(ypred, batch.y)
        if is_train:
            loss.backward()
            optimizer.step()
        total += loss.item()
    return total


# intel/neural-compressor test/torch/quantization/test_smooth_quant.py: a test defines its own
# run_fn, one forward pass; the module's run_fn (a loop) is not the one it calls
def run_fn(model):
    for x in range(10):
        model(torch.rand(1, 3))


def test_with_own_run_fn(user_model):
    user_model.eval()

    def run_fn(model):
        model(torch.rand(1, 3))

    run_fn(user_model)


def test_calibrate(prepared_model):
    run_fn(prepared_model)


def evaluate_forces(model, loader, needs_grad):
    # gradients chosen by a flag: on only for force models, whose forward calls
    # torch.autograd.grad (kgcnn-torch's evaluation)
    model.eval()
    total = 0.0
    for batch in loader:
        with torch.set_grad_enabled(needs_grad):
            pred = model(batch)
        total += pred.sum().item()
    return total


# kan-bayashi/ParallelWaveGAN's trainer (before its PR #26): a dict of models switched to
# eval one by one, then a loop that hands each batch to a method of the class that runs them
class WaveGANTrainer:
    def __init__(self, model, criterion, loader):
        self.model = model  # {"generator": ..., "discriminator": ...}
        self.criterion = criterion
        self.loader = loader

    def _eval_step(self, batch):
        z, c, y = batch
        y_ = self.model["generator"](z, c)
        p_ = self.model["discriminator"](y_)
        return self.criterion(p_, y).item()

    def _eval_step_no_grad(self, batch):
        z, c, y = batch
        with torch.no_grad():
            y_ = self.model["generator"](z, c)
        return y_.mean().item()

    def _eval_epoch(self):
        for key in self.model.keys():
            self.model[key].eval()
        with torch.no_grad():
            for batch in self.loader:
                self._eval_step(batch)  # expect: missing-no-grad
        for key in self.model.keys():
            self.model[key].train()

    def _eval_epoch_quietly(self):
        for key in self.model.keys():
            self.model[key].eval()
        for batch in self.loader:
            self._eval_step_no_grad(batch)
        for key in self.model.keys():
            self.model[key].train()


# mozilla/TTS's early evaluate(): the model rebound to what eval() returns, then run
# through its forward method
def evaluate_tacotron(model, criterion, data_loader):
    model = model.eval()
    total = 0.0
    with torch.no_grad():
        for text, mel in data_loader:
            mel_output = model.forward(text, mel)  # expect: missing-no-grad
            total += criterion(mel_output, mel).item()
    return total


class BagAttention(torch.nn.Module):
    # AMLab-Amsterdam/AttentionDeepMIL#24: the test loop runs the model through methods of its
    # own that call forward
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(10, 1)

    def forward(self, x):
        return torch.sigmoid(self.fc(x)).mean()

    def calculate_objective(self, x, y):
        y_prob = self.forward(x)
        return -(y * torch.log(y_prob) + (1 - y) * torch.log(1 - y_prob))


bag_model = BagAttention()


def test_bags(test_loader):
    bag_model.eval()
    test_loss = 0.0
    with torch.no_grad():
        for data, bag_label in test_loader:
            loss = bag_model.calculate_objective(data, bag_label)  # expect: missing-no-grad
            test_loss += loss.item()
    return test_loss


def evaluate_head(encoder, mlp, loader):
    # AidenDurrant/SimCLR-Pytorch#7: the loop clears both models' gradients ("do not compute
    # gradient"), which computes none the less; two models, one loop: one finding
    encoder.eval()
    mlp.eval()
    total = 0
    with torch.no_grad():
        for x, y in loader:
            encoder.zero_grad()
            mlp.zero_grad()
            h = encoder(x)  # expect: missing-no-grad
            total += (mlp(h).argmax(-1) == y).sum().item()
    return total


class Emulator(torch.nn.Module):
    # alan-turing-institute/autoemulate#558: each prediction recorded a graph
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Dropout(0.1), torch.nn.Linear(8, 1))

    def forward(self, x):
        return self.net(x)

    def _predict(self, x):
        self.eval()
        with torch.no_grad():
            return self(x)  # expect: missing-no-grad


def extract_features(path, model, out):
    # dhimasryan/MOSA-Net-Cross-Domain#2: one file's features, the model run with autograd on
    audio = torch.randn(1, 16000)
    features = model(audio)  # expect: missing-no-grad
    out.append(features.detach().numpy())
    return out


def features_of(paths, model):
    out = []
    for path in paths:
        out = extract_features(path, model, out)
    return out


def save_features(paths):
    model = torch.nn.Linear(16000, 8)
    model.eval()
    return features_of(paths, model)


def get_device(model):
    return next(model.parameters()).device


def time_inference(model, sample, runs=100):
    timings = []
    with torch.no_grad():
        for _ in range(runs):
            start = time.time()
            model(sample)  # expect: missing-no-grad
            timings.append(time.time() - start)
    return timings


def benchmark(model, sample, get_device_fn=get_device):
    # LukasHedegaard/pytorch-benchmark: the getter parameter, left at the file's get_device,
    # sets no mode, so the helper's loop runs the model in the eval mode set here
    model.eval()
    device = get_device_fn(model)
    return time_inference(model, sample.to(device))


def train_step(model, optimizer, data):
    model.train()
    optimizer.zero_grad()
    loss = F.mse_loss(model(data.x), data.y)
    loss.backward()
    optimizer.step()
    return loss.item()


def validate(model, data):
    model.eval()
    with torch.no_grad():
        output = model(data.x)  # expect: missing-no-grad
    return F.mse_loss(output, data.y).item()


def train_loop(epochs, model, optimizer, data):
    # TristCrocker/PopulationDisaggregationDiss: a whole-graph validation pass each epoch
    for epoch in range(epochs):
        train_step(model, optimizer, data)
        print(epoch, validate(model, data))


if __name__ == "__main__":
    # Jbarata98/remote-sensing-image-captioning: a helper of the main block runs the module-level
    # model by its global name, switched to eval mode just before
    encoder = torch.nn.Sequential(torch.nn.Linear(10, 10), torch.nn.Dropout(0.1))
    encoder.eval()

    def compute_acc(dataset):
        total = 0.0
        with torch.no_grad():
            for img, target in dataset:
                result = encoder(img)  # expect: missing-no-grad
                total += (result.argmax(1) == target).float().mean().item()
        return total

    print(compute_acc(loader))
