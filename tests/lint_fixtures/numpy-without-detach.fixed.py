import torch

model = torch.nn.Linear(10, 2)
x = torch.randn(4, 10)

preds = model(x).detach().numpy()  # expect: numpy-without-detach
out = model(x)
arr = out.cpu().detach().numpy()  # expect: numpy-without-detach
w = torch.zeros(3, requires_grad=True)
print(w.detach().numpy())  # expect: numpy-without-detach


def predict(net: torch.nn.Module, batch):
    return net(batch)[0].detach().numpy()  # expect: numpy-without-detach


# --- correct code ----------------------------------------------------------------------
ok = model(x).detach().cpu().numpy()
with torch.no_grad():
    ok2 = model(x).numpy()
ok3 = x.numpy()
ok4 = model(x).argmax(1).numpy()
ok5 = model(x).numpy(force=True)  # detaches itself (jmschrei/bpnet-lite)


@torch.inference_mode()
def predict_ok(batch):
    return model(batch).numpy()


def unknown(net, batch):
    return net(batch).numpy()  # we cannot tell that net is a module: silent


# --- layer weights, directly and through helpers ---------------------------------------
class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(10, 2)
        self.conv = torch.nn.Conv2d(3, 8, 3)
        self.norm = torch.nn.BatchNorm1d(2, affine=False)  # no weight at all
        self.emb = torch.nn.Embedding.from_pretrained(torch.zeros(4, 2))  # frozen

    @property
    def head(self):
        return self.fc.weight

    def filters(self):
        return self.conv.weight.cpu()

    def kept(self):
        return self.fc.weight.detach()

    def raw(self):
        return self.fc.weight.data

    def table(self):
        return self.emb.weight

    def quiet(self):
        with torch.no_grad():
            return self.fc.weight.double()

    @classmethod
    def weight_of(cls, other):
        return other.fc.weight

    def conv_of(self, other):
        return other.conv.weight


def get_weights(m):
    return m.fc.weight


def first_row(m: Net):
    return get_weights(m)[0]


net = Net()
print(net.fc.weight.detach().numpy())  # expect: numpy-without-detach
print(model.weight.cpu().detach().numpy())  # expect: numpy-without-detach
w1 = get_weights(net)
print(w1.detach().numpy())  # expect: numpy-without-detach
print(first_row(net).detach().numpy())  # expect: numpy-without-detach
print(net.head.detach().numpy())  # expect: numpy-without-detach
print(net.filters().detach().numpy())  # expect: numpy-without-detach
print(Net.weight_of(net).detach().numpy())  # expect: numpy-without-detach
print(Net.conv_of(model, net).detach().numpy())  # expect: numpy-without-detach
print(net.kept().numpy())
print(net.raw().numpy())
print(net.table().numpy())
print(net.quiet().numpy())
print(net.fc.bias.detach().numpy())
print(net.fc.weight.data.numpy())
print(net.emb.weight.numpy())
with torch.no_grad():
    print(get_weights(net).numpy())


# pytorch/ignite examples/notebooks/EfficientNet_Cifar100_finetuning.ipynb: a module
# without parameters on a tensor that does not require grad gives one that does not either
class Swish(torch.nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(x)


d = torch.linspace(-10.0, 10.0, 100)
print(Swish()(d).numpy(), torch.nn.ReLU()(d).numpy())
res = Swish()(torch.ones(3, requires_grad=True))
print(res.detach().numpy())  # expect: numpy-without-detach

# pytorch/captum tutorials/Image_and_Text_Classification_LIME.ipynb (faac087): a
# torchvision transform has no parameters; the image does not require grad.
import torchvision.transforms as T

invert_norm = T.Normalize(mean=[-0.485 / 0.229], std=[1 / 0.229])
image = invert_norm(torch.rand(1, 3, 8, 8)).squeeze(0).permute(1, 2, 0).numpy()

# Project-MONAI/MONAI tests/transforms/test_nvtx_decorator.py: a Sequential of layers
# without parameters and a loss built without a weight make nothing that requires grad
act = torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Sigmoid())
print(act(d).numpy())
bce = torch.nn.BCELoss()
print(bce(act(d), torch.ones(100)).numpy())
head = torch.nn.Sequential(torch.nn.Linear(100, 2), torch.nn.Sigmoid())
print(head(d).detach().numpy())  # expect: numpy-without-detach


class SmoothLoss(torch.nn.Module):
    def forward(self, a, b):
        return (a - b).abs().mean()


smooth = SmoothLoss()
print(smooth(d, d).numpy())  # a loss class of the file without parameters, on plain tensors


class CosineAttention(torch.nn.Module):
    # allenai/allennlp: a module that stores a flag and holds no parameter; its tests call
    # .numpy() on its output
    def __init__(self, normalize=True):
        super().__init__()
        self._normalize = normalize

    def forward(self, vector, matrix):
        scores = torch.nn.functional.cosine_similarity(vector.unsqueeze(1), matrix, dim=-1)
        return torch.softmax(scores, -1) if self._normalize else scores


class Scorer(CosineAttention):
    def __init__(self):
        super().__init__(normalize=False)
        self.proj = torch.nn.Linear(3, 3)  # a layer: its output requires grad


def attention_outputs():
    print(CosineAttention(normalize=False)(torch.ones(2, 3), torch.ones(2, 2, 3)).numpy())
    print(Scorer()(torch.ones(2, 3), torch.ones(2, 2, 3)).detach().numpy())  # expect: numpy-without-detach


class GaussianFilter(torch.nn.Module):
    # Project-MONAI: sigma kept as parameters that require grad only when asked
    def __init__(self, sigma, requires_grad=False):
        super().__init__()
        self.sigma = torch.nn.Parameter(torch.as_tensor(sigma), requires_grad=requires_grad)
        self.register_parameter("kernel_sigma", self.sigma)

    def forward(self, x):
        return x * self.sigma


def filtered():
    print(GaussianFilter(1.0)(torch.ones(3)).cpu().numpy())


# v0lta/PyTorch-Wavelet-Toolbox tests/test_jit.py (a2f61b7): a traced plain function is a
# ScriptFunction, its output needs grad only through its inputs; a traced model's does
def waverec(coeffs, filt):
    return torch.nn.functional.conv1d(coeffs.unsqueeze(1), filt.view(1, 1, -1)).squeeze(1)


def traced_function_output():
    data = torch.randn(3, 64)
    filt = torch.tensor([0.5, 0.5])
    jit_waverec = torch.jit.trace(waverec, (data, filt))
    res = jit_waverec(data, filt)
    print(res.numpy())


def traced_imported_function(data):
    from torch.nn.functional import relu

    jit_relu = torch.jit.trace(relu, (data,))
    print(jit_relu(data).numpy())


def traced_model_output():
    net = torch.nn.Linear(4, 2)
    traced = torch.jit.trace(net, torch.randn(1, 4))
    out = traced(torch.randn(1, 4))
    print(out.detach().numpy())  # expect: numpy-without-detach


# Wenhao-Yang/SpeakerVerifiaction-pytorch grad_cam notebook: InstanceNorm1d has no weights
# unless asked (affine=False by default); LayerNorm has them
def normalised_features(feats):
    inst = torch.nn.InstanceNorm1d(80)
    print(inst(feats).numpy())
    norm = torch.nn.LayerNorm(80)
    print(norm(feats).detach().numpy())  # expect: numpy-without-detach


# facebookresearch/ReAgent reagent/models/mab.py: a parameter kept only so that DDP finds
# one, which no output reads
class CountingBandit(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.counts = {1: 3.0, 2: 4.0}
        self.dummy_param = torch.nn.Parameter(torch.zeros(1))

    def forward(self, arm_ids):
        return torch.tensor([[self.counts.get(a, 0.0) for a in row.tolist()] for row in arm_ids])


def bandit_scores(arm_ids):
    bandit = CountingBandit()
    print(bandit(arm_ids).numpy())


def weighted_score(logits, labels, class_weights, device):
    # a loss's ``weight`` is a buffer, not a parameter: the loss needs grad only through its
    # inputs, and these come from data (iarai/NeurIPS2022-traffic4cast's scoring)
    y_hat = torch.tensor(logits).float()
    loss_f = torch.nn.CrossEntropyLoss(weight=torch.tensor(class_weights).float(), ignore_index=-1)
    loss_f = loss_f.to(device)
    return float(loss_f(y_hat, labels).cpu().numpy())


def learned_weight_score(logits, labels, n_classes):
    y_hat = torch.tensor(logits).float()
    loss_f = torch.nn.CrossEntropyLoss(weight=torch.nn.Parameter(torch.ones(n_classes)))
    return loss_f(y_hat, labels).detach().numpy()  # expect: numpy-without-detach
