import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, depth=3):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(16, 16) for _ in range(depth)])  # expect: unregistered-submodules
        self.heads = nn.ModuleDict({"a": nn.Linear(16, 2), "b": nn.Linear(16, 3)})  # expect: unregistered-submodules
        self.pair = nn.ModuleList([nn.ReLU(), nn.Dropout(0.1)])  # expect: unregistered-submodules
        self.blocks = nn.ModuleList([])  # expect: unregistered-submodules
        for _ in range(depth):
            self.blocks.append(nn.Linear(16, 16))

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class Grid(nn.Module):
    def __init__(self, rows=2, cols=3):
        super().__init__()
        self.cells = [[nn.Linear(4, 4) for _ in range(cols)] for _ in range(rows)]  # expect: unregistered-submodules
        self.pairs = [[nn.Linear(4, 4), nn.ReLU()], [nn.Linear(4, 2), nn.Tanh()]]  # expect: unregistered-submodules


class Filters(nn.Module):
    # kymatio/murenn: each layer bound to a name, initialised, then appended
    def __init__(self, levels=3):
        super().__init__()
        self.convs = nn.ModuleList([])  # expect: unregistered-submodules
        for _ in range(levels):
            conv = nn.Conv1d(1, 4, kernel_size=3, bias=False)
            nn.init.normal_(conv.weight)
            self.convs.append(conv)

    def forward(self, x):
        return [conv(x) for conv in self.convs]


# --- correct code ----------------------------------------------------------------------
class Good(nn.Module):
    def __init__(self, depth=3):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(16, 16) for _ in range(depth)])
        self.heads = nn.ModuleDict({"a": nn.Linear(16, 2)})
        self.sizes = [16, 32, 64]
        self.names = {"a": "first"}
        self.cache = []
        self.hooks = []

    def remember(self, x):
        feature = x.detach()
        self.cache.append(feature)  # a tensor bound to a name: nothing to register


class Converted(nn.Module):
    def __init__(self, teacher: nn.Module):
        super().__init__()
        self.layers = [nn.Linear(4, 4) for _ in range(2)]
        self.layers = nn.ModuleList(self.layers)
        self.stages = []
        for _ in range(2):
            self.stages.append(nn.ReLU())
        self.stages = nn.Sequential(*self.stages)
        self.teacher = [teacher]  # kept out of the parameters on purpose


class NotAModule:
    def __init__(self):
        self.layers = [nn.Linear(2, 2)]


class ScaleHeads(nn.Module):
    # facebookresearch/detectron2 SemSegFPNHead: the list keeps the order, add_module
    # registers each head
    def __init__(self, features):
        super().__init__()
        self.scale_heads = []
        for name in features:
            self.scale_heads.append(nn.Sequential(nn.Conv2d(4, 4, 3)))
            self.add_module(name, self.scale_heads[-1])


class Backbones(nn.Module):
    # sthalles/SimCLR: a table to pick the backbone from; the one picked is registered
    def __init__(self, name):
        super().__init__()
        self.choices = {"small": nn.Linear(2, 2), "large": nn.Linear(4, 4)}
        self.backbone = self._pick(name)

    def _pick(self, name):
        model = self.choices[name]
        return model


class UpConvBlock(nn.Module):
    """PacktPublishing/Mastering-PyTorch Chapter08/pix2pix_architecture.ipynb (7787dd3): a
    Sequential built in forward() registers nothing; the optimizer never sees these layers."""

    def __init__(self, ip_sz, op_sz):
        super().__init__()
        self.layers = nn.ModuleList([  # expect: unregistered-submodules
            nn.ConvTranspose2d(ip_sz, op_sz, 4, 2, 1),
            nn.InstanceNorm2d(op_sz),
            nn.ReLU(),
        ])

    def forward(self, x):
        return nn.Sequential(*(self.layers))(x)


class WeightedHeads(nn.Module):
    def __init__(self, class_weights):
        super().__init__()
        self.losses = nn.ModuleList([nn.CrossEntropyLoss(weight=class_weights)])  # expect: unregistered-submodules


from torchvision import transforms  # noqa: E402
from torchvision.transforms import v2  # noqa: E402


class ImageTransforms(nn.Module):
    """huggingface/lerobot: torchvision's transforms hold no parameters, no buffers and no
    mode, so a plain container loses nothing (v2.Compose keeps them in a plain list too)."""

    def __init__(self):
        super().__init__()
        self.transforms = {"jitter": v2.ColorJitter(0.5), "affine": v2.RandomAffine(10)}
        self.old = [transforms.ColorJitter(0.5), transforms.RandomHorizontalFlip()]


class RayPointRefiner(nn.Module):
    # facebookresearch/pytorch3d: a sampler module with no parameter and no mode of its own
    def __init__(self, n_pts_per_ray):
        super().__init__()
        self.n_pts_per_ray = n_pts_per_ray

    def forward(self, rays):
        return rays[..., : self.n_pts_per_ray]


class SwitchedDropout(nn.Module):
    # fairseq's FairseqDropout: no parameter, but it reads its mode
    def forward(self, x):
        return nn.functional.dropout(x, 0.1, training=self.training)


class MultiPassRenderer(nn.Module):
    def __init__(self):
        super().__init__()
        self._refiners = {"training": RayPointRefiner(64), "evaluation": RayPointRefiner(128)}
        self.dropouts = nn.ModuleList([SwitchedDropout(), SwitchedDropout()])  # expect: unregistered-submodules


from layer_norm_lstm import LayerNormLSTMCell  # (a module this project does not have)


class MetaOptimizer(nn.Module):
    # ikostrikov/pytorch-meta-optimizer: cells of a class the linter cannot see, moved by hand
    def __init__(self, num_layers, hidden_size):
        super().__init__()
        self.lstms = nn.ModuleList([])  # expect: unregistered-submodules
        for i in range(num_layers):
            self.lstms.append(LayerNormLSTMCell(hidden_size, hidden_size))

    def cuda(self):
        super().cuda()
        for i in range(len(self.lstms)):
            self.lstms[i].cuda()


class CellHolder(nn.Module):
    # the same cells, never moved by hand: nothing says what they are
    def __init__(self, num_layers, hidden_size):
        super().__init__()
        self.cells = []
        for i in range(num_layers):
            self.cells.append(LayerNormLSTMCell(hidden_size, hidden_size))


class MergeLayer(nn.Module):
    # asyml/texar-pytorch: None until layers are given, then a plain list of the modules
    def __init__(self, layers=None):
        super().__init__()
        self._layers = None
        if layers is not None:
            self._layers = nn.ModuleList([])  # expect: unregistered-submodules
            for layer in layers:
                if isinstance(layer, nn.Module):
                    self._layers.append(layer)


class HookHolder(nn.Module):
    # handles of hooks, not modules
    def __init__(self, layers):
        super().__init__()
        self.handles = None
        self.handles = []
        for layer in layers:
            self.handles.append(layer.register_forward_hook(print))


# laurenjack/variance-min-classification jl/posterior_minimizer/custom_modules.py: a plain
# list of the linear layers, each also added to a registered ModuleList (alone or inside a
# Sequential): registered all the same
class MlpWithLinears(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.layers = nn.ModuleList()
        self.linears = []
        for num_input, num_output in zip(sizes[:-1], sizes[1:]):
            self._append_to_layer(num_input, num_output, is_relu=num_output != sizes[-1])

    def _append_to_layer(self, num_input, num_output, is_relu):
        linear = nn.Linear(num_input, num_output)
        self.linears.append(linear)
        if is_relu:
            self.layers.append(nn.Sequential(linear, nn.ReLU()))
        else:
            self.layers.append(linear)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class SetattrRegisteredMlp(nn.Module):
    # each layer registered by ``self.__setattr__`` (nn.Module's own, as ``setattr(self, ...)``)
    # before the plain list keeps a second reference (stable_contrastive_rl's Mlp)
    def __init__(self, sizes):
        super().__init__()
        self.fcs = []
        for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
            fc = nn.Linear(n_in, n_out)
            self.__setattr__("fc{}".format(i), fc)
            self.fcs.append(fc)

    def forward(self, h):
        for fc in self.fcs:
            h = fc(h)
        return h


class ObjectSetattrMlp(nn.Module):
    # ``object.__setattr__`` bypasses nn.Module's: nothing is registered
    def __init__(self, sizes):
        super().__init__()
        self.fcs = nn.ModuleList([])  # expect: unregistered-submodules
        for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
            fc = nn.Linear(n_in, n_out)
            object.__setattr__(self, "fc{}".format(i), fc)
            self.fcs.append(fc)

    def forward(self, h):
        for fc in self.fcs:
            h = fc(h)
        return h


class ScratchDictBackbone(nn.Module):
    # a plain dict used only while __init__ builds the model, then deleted: its blocks live on
    # in the registered nn.Sequential (ayhem18/pytorch_modular's feature extractors)
    def __init__(self, net, keep):
        super().__init__()
        self._blocks = {}
        for i, layer in enumerate(net.children()):
            self._blocks[i] = nn.Sequential(layer)
        self.body = self._assemble(keep)
        del self._blocks

    def _assemble(self, keep):
        return nn.Sequential(*(self._blocks[i] for i in keep))

    def forward(self, x):
        return self.body(x)


class KeptDictBackbone(nn.Module):
    def __init__(self, net, keep):
        super().__init__()
        self._blocks = nn.ModuleDict({})  # expect: unregistered-submodules
        for i, layer in enumerate(net.children()):
            self._blocks[i] = nn.Sequential(layer)
        if not keep:
            del self._blocks

    def forward(self, x):
        return self._blocks[0](x)


class FrozenTableEmbedding(nn.Module):
    # salesforce/decaNLP: the frozen GloVe table is kept in a plain list on purpose (out of
    # parameters() and state_dict(); looked up on the CPU, rebuilt from the vocabulary)
    def __init__(self, vectors, dim):
        super().__init__()
        self.pretrained = [nn.Embedding(vectors.size(0), vectors.size(1))]
        self.pretrained[0].weight.data = vectors
        self.pretrained[0].weight.requires_grad = False
        self.projection = nn.Linear(vectors.size(1), dim)

    def forward(self, x):
        return self.projection(self.pretrained[0](x.cpu()).to(x.device).detach())


class EnsembleOfTrainedModels(nn.Module):
    # bamps53/kaggle-nfl2022-4th-place-solution: trained models loaded for inference, each
    # put in eval mode as the list is built, run under no_grad
    def __init__(self, paths):
        super().__init__()
        self.models = [nn.Linear(4, 2) for _ in paths]
        [m.eval() for m in self.models]

    def forward(self, x):
        with torch.no_grad():
            return torch.stack([m(x) for m in self.models]).mean(0)


class Engine(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model
        self.losses = nn.ModuleList([nn.CrossEntropyLoss()])

    def forward(self, x):
        return self.model(x)


class InferEngine(nn.Module):
    # yoxu515/aot-benchmark's AOTInferEngine: per-object engines over the model it registers
    # itself, each switched to eval as it is appended, dropped when the next video starts
    def __init__(self, model):
        super().__init__()
        self.model = model
        self.engines = []

    def add_reference(self, n):
        while n > len(self.engines):
            engine = Engine(self.model)
            engine.eval()
            self.engines.append(engine)


class TrainedAsAppended(nn.Module):
    def __init__(self):
        super().__init__()
        self.heads = nn.ModuleList([])  # expect: unregistered-submodules

    def add_head(self, frozen):
        head = nn.Linear(4, 2)
        if frozen:
            head.eval()
        self.heads.append(head)
        extra = nn.Linear(4, 2)
        self.heads.append(extra)


class TokenLearner(nn.Module):
    # a layer for other modules to import; its own module only tries it out below
    # (rish-16/tokenlearner-pytorch#5)
    def __init__(self, S):
        super().__init__()
        self.S = S
        self.tokenizers = nn.ModuleList([nn.Sequential(nn.Conv2d(2, 1, 1), nn.BatchNorm2d(1)) for _ in range(S)])  # expect: unregistered-submodules

    def forward(self, x):
        return torch.stack([self.tokenizers[i](x) for i in range(self.S)], dim=1)


if __name__ == "__main__":
    tklr = TokenLearner(S=8)
    y = tklr(torch.rand(2, 2, 8, 8))
