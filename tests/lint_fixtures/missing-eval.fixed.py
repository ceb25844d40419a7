import time
import torch
import torch.nn.functional as F

model = torch.nn.Sequential(torch.nn.Linear(10, 10), torch.nn.Dropout(0.5), torch.nn.Linear(10, 2))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
train_loader = [(torch.randn(4, 10), torch.randint(0, 2, (4,)))]
val_loader = train_loader

for epoch in range(3):
    model.train()
    for x, y in train_loader:
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
    correct = 0
    model.eval()
    with torch.no_grad():
        for x, y in val_loader:
            correct += (model(x).argmax(1) == y).sum().item()  # expect: missing-eval


class Trainer:
    def fit(self, loader):
        self.net.train()
        for x, y in loader:
            self.opt.zero_grad()
            F.mse_loss(self.net(x), y).backward()
            self.opt.step()
        self.net.eval()
        with torch.inference_mode():
            for x, y in loader:
                print(self.net(x))  # expect: missing-eval


def fit_resuming(model, loader, val_loader, optimizer):
    model.train()
    for epoch in range(3):
        for x, y in loader:
            optimizer.zero_grad()
            F.cross_entropy(model(x), y).backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            for x, y in val_loader:
                print(model(x))  # expect: missing-eval
        model.train()


def fit_modules_train_again(modules, loader, val_loader, optimizer):
    """Every module of the dict put back in train mode before validating."""
    for epoch in range(3):
        modules.bert.train()
        for x, y in loader:
            optimizer.zero_grad()
            F.cross_entropy(modules.bert(x), y).backward()
            optimizer.step()
        _ = [modules[key].train() for key in modules]
        modules.bert.eval()
        with torch.no_grad():
            for x, y in val_loader:
                print(modules.bert(x))  # expect: missing-eval


class Solver:
    # sinhasam/vaal: a method helper called right after training, the model handed in train mode
    def train(self, loader, task_model, optimizer):
        task_model.train()
        for x, y in loader:
            optimizer.zero_grad()
            F.cross_entropy(task_model(x), y).backward()
            optimizer.step()
        return self.test(task_model, loader)

    def test(self, task_model, loader):
        correct = 0
        task_model.eval()
        for x, y in loader:
            with torch.no_grad():
                preds = task_model(x)  # expect: missing-eval
            correct += (preds.argmax(1) == y).sum().item()
        task_model.train()
        return correct


# --- correct code ----------------------------------------------------------------------
class CheckedSolver(Solver):
    # the same helper called from outside its class too: the mode it is handed there is unknown
    def score(self, loader, task_model):
        task_model.train()
        return self.check(task_model, loader)

    def check(self, task_model, loader):
        with torch.no_grad():
            for x, y in loader:
                print(task_model(x))


def outside(solver, model, loader):
    model.train()
    solver.check(model, loader)


def fit_modules(modules, loader, val_loader, optimizer):
    """yl4579/StyleTTS2: its modules in a Munch (a dict read by attribute), all put in eval
    mode by a comprehension over the dict before validating."""
    for epoch in range(3):
        modules.bert.train()
        for x, y in loader:
            optimizer.zero_grad()
            F.cross_entropy(modules.bert(x), y).backward()
            optimizer.step()
        _ = [modules[key].eval() for key in modules]
        with torch.no_grad():
            for x, y in val_loader:
                print(modules.bert(x))
        for m in modules.values():
            m.eval()
        with torch.no_grad():
            for x, y in val_loader:
                print(modules.bert(x))


def test_chunked_forward_in_training_mode(layer, x):
    """NVIDIA/Megatron-LM's test: the training-mode path run on the same input for two
    settings of the layer, compared (not an evaluation of data)."""
    with torch.no_grad():
        layer.train()
        outputs = {}
        for chunks in [1, 4]:
            layer.chunks = chunks
            outputs[chunks] = layer(x)
        assert torch.allclose(outputs[1], outputs[4])
for epoch in range(3):
    model.train()
    for x, y in train_loader:
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        for x, y in val_loader:
            print(model(x))


def validate(model, loader):
    # the caller decides the mode; nothing here says it is in train mode
    with torch.no_grad():
        return [model(x) for x, _ in loader]


def with_helper(model, loader, prepare):
    model.train()
    prepare(model)  # may switch modes: unsure, so silent
    with torch.no_grad():
        for x, _ in loader:
            print(model(x))


def mc_dropout(model, loader):
    model.eval()
    with torch.no_grad():
        for x, _ in loader:
            print(model(x))


def mc_dropout_samples(net, xx):
    # Atcold/NYU-DLSP20 13-bayesian_nn.ipynb: dropout on, the same input 100 times, to
    # sample the prediction's spread (Monte Carlo dropout): train mode on purpose
    net.train()
    y_hat = list()
    with torch.no_grad():
        for t in range(100):
            y_hat.append(net(xx.view(-1, 1)).squeeze())
    return y_hat


def counted_batches(net, batches):
    # train mode chosen for this pass, by a function that trains nothing, as the statement
    # just before its no_grad block (D-X-Y/AutoDL-Projects' NAS-Bench-201 valid_func, copied
    # into pprp/SimpleCVReproduction, evaluates a weight-sharing supernet so)
    net.train()
    with torch.no_grad():
        for i in range(len(batches)):
            print(net(batches[i]))


def evaluate_accuracy(data_iter, net):
    # ShusenTang/Dive-into-DL-PyTorch: modules are switched to eval and back for each
    # batch; a plain function is told by its argument, in the other arm of the `if`
    acc = 0.0
    with torch.no_grad():
        for X, y in data_iter:
            if isinstance(net, torch.nn.Module):
                net.eval()
                acc += (net(X).argmax(dim=1) == y).float().sum().item()
                net.train()
            else:
                acc += (net(X, is_training=False).argmax(dim=1) == y).float().sum().item()
    return acc


def recompute_bn_statistics(model, loader):
    # jindongwang/transferlearning (ReMoS distillation_training.py), after SWA: the running
    # statistics are reset and recomputed, which needs train mode, set inside the no_grad
    # block on purpose (what torch.optim.swa_utils.update_bn does)
    for m in model.modules():
        if hasattr(m, "running_mean"):
            m.reset_running_stats()
            m.momentum = None
    with torch.no_grad():
        model.train()
        for x, y in loader:
            out = model(x)


def fit_and_validate(model, train_loader, valid_loader, optimizer, criterion, n_epochs):
    # udacity/deep-learning-v2-pytorch's MNIST notebook (issue 3): the validation loop runs
    # over held-out data right after training, outside no_grad and still in train mode
    for epoch in range(n_epochs):
        model.train()
        for data, target in train_loader:
            optimizer.zero_grad()
            loss = criterion(model(data), target)
            loss.backward()
            optimizer.step()
        valid_loss = 0.0
        model.eval()
        for data, target in valid_loader:
            output = model(data)  # expect: missing-eval
            valid_loss += criterion(output, target).item()


def validate_packed(model, valid_dataloader, criterion, is_packed):
    # pliang279/MultiBench (issue 26): the validation loop, pasted from the training loop,
    # puts the model back in train mode in each branch
    model.eval()
    with torch.no_grad():
        total = 0.0
        for j in valid_dataloader:
            if is_packed:
                model.train()
                out = model(j[0])  # expect: missing-eval
            else:
                model.train()
                out = model(j[:-1])
            total += criterion(out, j[-1]).item()
    return total


def transcribe(processor, model, loader):
    # rsommerfeld/trocr (issue 9): Hugging Face's generate() runs the model, here in the
    # train mode that train_ocr() below left it in, two calls up
    texts = []
    model.eval()
    with torch.no_grad():
        for batch in loader:
            ids = model.generate(batch["pixels"])  # expect: missing-eval
            texts.extend(processor.batch_decode(ids))
    model.train()
    return texts


def ocr_accuracy(state):
    texts = transcribe(state.processor, state.model, state.val_loader)
    return sum(t == label for t, label in zip(texts, state.labels)) / len(texts)


def train_ocr(state, epochs):
    model = state.model
    optimizer = torch.optim.AdamW(model.parameters())
    model.train()
    for epoch in range(epochs):
        for batch in state.train_loader:
            model(**batch).loss.backward()
            optimizer.step()
            optimizer.zero_grad()
        print(ocr_accuracy(state))


# wolny/pytorch-3dunet unet3d/trainer.py (before 8105abe): validate(), called from the
# training loop after self.model.train(), runs the model through a method of its class
class UNetTrainer:
    def __init__(self, model, optimizer, loss_criterion, loaders):
        self.model = model
        self.optimizer = optimizer
        self.loss_criterion = loss_criterion
        self.loaders = loaders

    def train(self, train_loader):
        self.model.train()
        for input, target in train_loader:
            output, loss = self._forward_pass(input, target)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            self.validate(self.loaders["val"])

    def validate(self, val_loader):
        self.model.eval()
        with torch.no_grad():
            for input, target in val_loader:
                output, loss = self._forward_pass(input, target)  # expect: missing-eval
        self.model.train()

    def _forward_pass(self, input, target):
        output = self.model(input)
        return output, self.loss_criterion(output, target)


# qbit-glitch/unsupervised_panoptic_segmentation scripts/benchmark_backbones.py: a timing
# loop of forward passes, results thrown away: nothing is evaluated
def benchmark(backbone, decoder, num_iters=10):
    backbone.train()
    decoder.train()
    times = []
    for _ in range(num_iters):
        x = torch.randn(4, 3, 32, 32)
        t0 = time.perf_counter()
        with torch.no_grad():
            feats = backbone(x)
            sem, inst = decoder(feats)
        times.append(time.perf_counter() - t0)
    return sum(times) / len(times)


# tier4/Diffusion-Planner rlvr/grpo_loss.py: train mode chosen on purpose, the previous mode
# saved and put back
def compute_log_probs(policy_model, trajectories, data):
    was_training = policy_model.training
    policy_model.train()
    log_probs = []
    with torch.no_grad():
        for trajectory in trajectories:
            log_probs.append(-F.mse_loss(policy_model(data.clone()), trajectory))
    if not was_training:
        policy_model.eval()
    return log_probs


# tier4/Diffusion-Planner rlvr/grpo_logprob_loss.py: a loss function that sets train mode itself and
# computes a reference for the loss under no_grad
def grpo_loss_with_reference(model, chain, num_steps):
    model.train()
    losses = [model(chain[i].detach()).pow(2).mean() for i in range(num_steps)]
    references = []
    for i in range(num_steps):
        x_t = chain[i].detach()
        with torch.no_grad():
            references.append(model(x_t))
    return torch.stack(losses).mean(), references


# phykn/diffusion-gan3d src/train/engine.py: a sampling chain under no_grad prepares the input
# of the training step's forward pass, in that step's mode
class RolloutTrainer:
    def __init__(self, denoiser, timesteps):
        self.denoiser = denoiser
        self.timesteps = timesteps

    def step(self, transition):
        self.denoiser.train()
        current = torch.randn(1, 2, 8)
        with torch.no_grad():
            for index in reversed(range(transition + 1, self.timesteps)):
                prediction = self.denoiser(current, index)
                current = 0.5 * (current + prediction)
        prediction = self.denoiser(current.detach(), transition)
        return current, prediction


class LogitsRolloutTrainer(RolloutTrainer):
    def step(self, transition):
        self.denoiser.train()
        current = torch.randn(1, 2, 8)
        with torch.no_grad():
            for index in reversed(range(transition + 1, self.timesteps)):
                current = 0.5 * (current + self.denoiser(current, index))
        return self.denoiser.predict_logits(current.detach(), transition)


# pdebench/PDEBench's FNO training: the model is one of several classes chosen by the
# data's shape, none of which runs a dropout or a batch norm (FNO3d builds four batch norms
# that its forward never uses; a spectral layer calls a method of its own)
class SpectralConv1d(torch.nn.Module):
    def __init__(self, width, modes):
        super().__init__()
        self.weights = torch.nn.Parameter(torch.rand(width, width, modes, dtype=torch.cfloat))

    def compl_mul1d(self, x, weights):
        return torch.einsum("bix,iox->box", x, weights)

    def forward(self, x):
        return torch.fft.irfft(self.compl_mul1d(torch.fft.rfft(x), self.weights), n=x.size(-1))


class FNO1d(torch.nn.Module):
    def __init__(self, width, modes):
        super().__init__()
        self.conv0 = SpectralConv1d(width, modes)
        self.w0 = torch.nn.Conv1d(width, width, 1)

    def forward(self, x):
        return F.gelu(self.conv0(x) + self.w0(x))


class FNO3d(torch.nn.Module):
    def __init__(self, width):
        super().__init__()
        self.w0 = torch.nn.Conv3d(width, width, 1)
        self.bn0 = torch.nn.BatchNorm3d(width)

    def forward(self, x):
        return F.gelu(self.w0(x))


class FNO2dDropout(torch.nn.Module):
    def __init__(self, width):
        super().__init__()
        self.w0 = torch.nn.Conv2d(width, width, 1)
        self.drop = torch.nn.Dropout(0.1)

    def forward(self, x):
        return self.drop(self.w0(x))


def run_training(loader, val_loader, dimensions, width, modes, optimizer_fn, loss_fn, epochs):
    if dimensions == 4:
        model = FNO1d(width, modes)
    else:
        model = FNO3d(width)
    optimizer = optimizer_fn(model.parameters())
    for epoch in range(epochs):
        model.train()
        for x, y in loader:
            loss = loss_fn(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            for x, y in val_loader:
                print(loss_fn(model(x), y).item())


def run_training_with_dropout(loader, val_loader, dimensions, width, modes, optimizer_fn, loss_fn, epochs):
    if dimensions == 4:
        model = FNO1d(width, modes)
    else:
        model = FNO2dDropout(width)
    optimizer = optimizer_fn(model.parameters())
    for epoch in range(epochs):
        model.train()
        for x, y in loader:
            loss = loss_fn(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            for x, y in val_loader:
                print(loss_fn(model(x), y).item())  # expect: missing-eval


# rasbt/stat453-deep-learning-ss21's LSTM classifiers: an embedding, one LSTM layer (no
# dropout between layers: there is one) and a linear layer compute the same in either mode;
# two stacked layers with a dropout between them do not
class PackedLSTMClassifier(torch.nn.Module):
    def __init__(self, vocab, embedding_dim, hidden_dim, classes):
        super().__init__()
        self.embedding = torch.nn.Embedding(vocab, embedding_dim)
        self.rnn = torch.nn.LSTM(embedding_dim, hidden_dim)
        self.fc = torch.nn.Linear(hidden_dim, classes)

    def forward(self, text, lengths):
        packed = torch.nn.utils.rnn.pack_padded_sequence(self.embedding(text), lengths)
        _, (hidden, _) = self.rnn(packed)
        return self.fc(hidden.squeeze(0))


class StackedLSTMClassifier(torch.nn.Module):
    def __init__(self, vocab, embedding_dim, hidden_dim, classes):
        super().__init__()
        self.embedding = torch.nn.Embedding(vocab, embedding_dim)
        self.rnn = torch.nn.LSTM(embedding_dim, hidden_dim, num_layers=2, dropout=0.3)
        self.fc = torch.nn.Linear(hidden_dim, classes)

    def forward(self, text):
        _, (hidden, _) = self.rnn(self.embedding(text))
        return self.fc(hidden[-1])


def train_packed_lstm(loader, valid_loader, epochs):
    model = PackedLSTMClassifier(1000, 64, 128, 2)
    optimizer = torch.optim.Adam(model.parameters())
    for epoch in range(epochs):
        model.train()
        for text, lengths, y in loader:
            loss = F.cross_entropy(model(text, lengths), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            for text, lengths, y in valid_loader:
                print((model(text, lengths).argmax(1) == y).float().mean().item())


def train_stacked_lstm(loader, valid_loader, epochs):
    model = StackedLSTMClassifier(1000, 64, 128, 2)
    optimizer = torch.optim.Adam(model.parameters())
    for epoch in range(epochs):
        model.train()
        for text, y in loader:
            loss = F.cross_entropy(model(text), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            for text, y in valid_loader:
                print((model(text).argmax(1) == y).float().mean().item())  # expect: missing-eval


# a mode-free model bound again to itself, moved (`model = model.to(device)`): one model
class PlainHead(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)


def train_plain_head(loader, val_loader, device):
    model = PlainHead()
    model = model.to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(3):
        model.train()
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            for x, y in val_loader:
                print(model(x).sum().item())


class KMeansFit(torch.nn.Module):
    def forward(self, x):
        return x.argmax(1) if self.training else x.argmin(1)


def cluster_each_mixture(model, loader):
    # tky823/DNN-based_source_separation: a fresh clustering module per test mixture, put in
    # its fitting (train) mode on purpose; the evaluated network stays in eval mode
    model.eval()
    with torch.no_grad():
        for x in loader:
            latent = model(x)
            kmeans = KMeansFit()
            kmeans.train()
            print(kmeans(latent))


def test_with_batch_statistics(model, loader):
    # meteorshowers/StereoNet-ActiveStereoNet: eval mode tried and commented out, train mode
    # kept on purpose (batch statistics, batch size 1 in training and test alike)
    # model.eval()
    model.train()
    with torch.no_grad():
        for x in loader:
            print(model(x))


def predict_prob_dropout(net, loader, n_drop=10):
    # ej0cl6/deep-active-learning: dropout on, the same loader n_drop times, the class
    # probabilities averaged (Monte Carlo dropout over a data set)
    net.train()
    total = 0
    for i in range(n_drop):
        with torch.no_grad():
            for x, y in loader:
                total = total + F.softmax(net(x), dim=1)
    return total / n_drop


def mc_dropout_predict(model, X, n_samples=50):
    # stefan-jansen/machine-learning-for-trading: every module but the dropouts put back in
    # eval mode, so that only dropout samples (Monte Carlo dropout over the whole input)
    model.train()
    for m in model.modules():
        if not isinstance(m, torch.nn.Dropout):
            m.eval()
    samples = []
    with torch.no_grad():
        for _ in range(n_samples):
            preds = []
            for start in range(0, len(X), 256):
                preds.append(model(X[start:start + 256]))
            samples.append(torch.cat(preds))
    model.eval()
    return torch.stack(samples).mean(0)


def every_module_back_in_train_mode(model, loader):
    model.eval()
    for m in model.modules():
        m.train()
    model.eval()
    with torch.no_grad():
        for x, _ in loader:
            print(model(x))  # expect: missing-eval


def run_batch(net, optimizer, phase, imgs, labels):
    # one helper for every phase that puts the model in train mode whatever the phase
    # (princeton-vl/pytorch_stacked_hourglass#44)
    net = net.train(phase == "train")
    with torch.set_grad_enabled(phase == "train"):
        loss = F.cross_entropy(net(imgs), labels)  # expect: missing-eval
    if phase == "train":
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


class Wrapper:  # GRAAL-Research/poutyne: predict switches the network to eval mode, evaluate does not
    def __init__(self, network, loss_function):
        self.network = network
        self.loss_function = loss_function

    def predict(self, x):
        self.network.eval()
        with torch.no_grad():
            return self.network(x)

    def evaluate(self, x, y):
        self.network.eval()
        return self._compute_loss(x, y).item()  # expect: missing-eval

    def _compute_loss(self, x, y):
        return self.loss_function(self.network(x), y)
