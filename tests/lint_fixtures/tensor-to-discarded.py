import torch
from torch.utils.data import DataLoader, TensorDataset

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = torch.nn.Linear(10, 2)
loader = DataLoader(TensorDataset(torch.randn(8, 10), torch.randint(0, 2, (8,))), batch_size=4)

weights = torch.ones(2)
weights.to(device)  # expect: tensor-to-discarded

for x, y in loader:
    x.to(device)  # expect: tensor-to-discarded
    y.cuda(non_blocking=True)  # expect: tensor-to-discarded
    out = model(x)


def step(batch: torch.Tensor, labels: torch.Tensor):
    batch.half()  # expect: tensor-to-discarded
    labels[0].cuda()  # expect: tensor-to-discarded
    return batch


def move_batches(model, train_loader, device):
    for batch in train_loader:
        batch["input_ids"].to(device)  # expect: tensor-to-discarded
        for key in batch:
            batch[key].to(device)  # expect: tensor-to-discarded
    for step, (images, targets) in enumerate(train_loader):
        images.to(device)  # expect: tensor-to-discarded
        model(images)
    for step, batch in enumerate(train_loader):
        batch["labels"].to(device)  # expect: tensor-to-discarded
    for t in train_loader:
        # kitzeslab/opensoundscape: the batch's items bound to names first
        X, y = t["X"], t["y"]
        X.to(device)  # expect: tensor-to-discarded
        y.to(device)  # expect: tensor-to-discarded
        model(X)


weights.detach().to(device)  # expect: tensor-to-discarded


class TrainStep:
    # Michedev/VAE_anomaly_detection: an ignite process function handed the batch
    def __init__(self, model, device):
        self.model, self.device = model, device

    def __call__(self, engine, batch):
        x = batch[0]
        if self.device: x.to(self.device)  # expect: tensor-to-discarded
        return self.model(x)


# --- correct code ----------------------------------------------------------------------
model.to(device)  # modules move in place
model.cuda()
weights = weights.to(device)
for x, y in loader:
    x, y = x.to(device), y.to(device)
    model(x).cpu()  # waits for the device: a deliberate sync, not reported
# skorch's examples/benchmarks/mnist.py: a tensor just made, moved to start the device (no one
# holds it: nothing is left behind)
torch.zeros(1).to(device)



class Policy(torch.nn.Module):
    @classmethod
    def load(cls, state, device):
        # DLR-RM/stable-baselines3 policies.py: `cls(...)` in a class method builds a
        # module, which moves in place
        model = cls(**state["data"])
        model.to(device)
        return model

def unknown(thing):
    thing.to(device)  # we cannot tell what it is: silent


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(2, 2)

    def move(self):
        self.fc.to(device)
        self.to(device)


def hf_style(train_loader, device):
    for batch in train_loader:
        batch.to(device)  # a whole collated batch may move in place (BatchEncoding.to returns self)


def hf_style_enumerated(train_dataloader, accelerator, model):
    # huggingface/accelerate examples/nlp_example.py: a tokenizer's BatchEncoding moves in
    # place; enumerate's counter does not make the batch an unpacked element
    for step, batch in enumerate(train_dataloader):
        batch.to(accelerator.device)
        outputs = model(**batch)


class Merged(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(2, 2)

    def merge(self, quantize, weight):
        # Lightning-AI/litgpt lora.py: the weight replaced by a quantized parameter type
        # whose .cuda() works in place
        self.linear.weight = quantize(weight)
        self.linear.weight.cuda(weight.device)

    def move(self, device):
        self.linear.weight.data.to(device)  # expect: tensor-to-discarded


class QuantizedParameter(torch.nn.Parameter):
    # microsoft/DeepSpeed: a parameter class whose own .to() quantizes
    def to(self, *args, **kwargs):
        tensor = super().to(*args, **kwargs)
        self.quantized = True
        return tensor


def quantized_moves():
    import pytest

    data = torch.ones(2)
    qp = QuantizedParameter(data)
    qp.to(device)  # its own .to(): what it does is its class's
    with pytest.raises(AssertionError):
        data.to(device)  # there to fail: the result is not wanted
    data.to(device)  # expect: tensor-to-discarded


class Solver:
    # Michaelvll/DeepCCA: parameters sized and sliced like tensors, "moved" with the result dropped
    def fit(self, x1, x2, loader):
        x1.to(device)  # expect: tensor-to-discarded
        x2.to(device)  # sized only: nothing says what it is
        loader.to(device)
        n = x1.size(0) + x2.size(0)
        for i in range(n):
            print(x1[i, :], loader[i:])


def generate(model, tokenizer, prompts):
    # dhcode-cpp/X-R1: a tokenizer's batch moves in place (BatchEncoding.to), its tensors do not
    inputs = tokenizer(prompts, return_tensors="pt")
    inputs.to(device)
    inputs["input_ids"].to(device)  # expect: tensor-to-discarded
    inputs["attention_mask"].to(device)  # expect: tensor-to-discarded
    inputs["meta"].to(device)  # an unknown key: anything
    return model.generate(**inputs)


def graph_batches(loader, net, device):
    # batches of graphs (a DGL collate function): ``g.gdata`` is no tensor's attribute, and
    # DGL <= 0.4 moved a graph in place (priba/graph_metric.pytorch)
    for g, target in loader:
        g.to(device)
        g.gdata["std"] = g.gdata["std"].to(device)
        net(g)


def tensor_batches(loader, net, device):
    for x, target in loader:
        x.to(device)  # expect: tensor-to-discarded
        net(x)


def split_and_move(dataset: TensorDataset, device):
    # mit-ll-responsible-ai/equine (issue 206): indexed or iterated, a TensorDataset gives its tensors' rows
    X, Y = dataset[:]
    X.to(device)  # expect: tensor-to-discarded
    for row, label in dataset:
        label.cuda()  # expect: tensor-to-discarded
    return X, Y


class TrainInputs(torch.nn.Module):
    # facebookresearch/aepsych#672: "move in place" over a sequence annotated as tensors
    _held: tuple[torch.Tensor, ...] | None

    @property
    def train_inputs(self):
        for input in self._held:
            input.to(self.device)  # expect: tensor-to-discarded
        return self._held

    def set_inputs(self, inputs: list[torch.Tensor] | None) -> None:
        for input in inputs:
            input.to(self.device)  # expect: tensor-to-discarded
        self._held = tuple(inputs)

    def set_layers(self, layers: list[torch.nn.Module]) -> None:
        for layer in layers:
            layer.to(self.device)  # modules move in place
