import torch
import torch.nn.functional as F

model = torch.nn.Sequential(torch.nn.Linear(10, 10), torch.nn.Dropout(0.5), torch.nn.Linear(10, 2))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
train_loader = [(torch.randn(4, 10), torch.randint(0, 2, (4,)))]
val_loader = train_loader

model.train()
for epoch in range(3):
    model.train()
    for x, y in train_loader:
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
    model.eval()  # expect: missing-train-mode
    with torch.no_grad():
        for x, y in val_loader:
            print(model(x))


class Classifier:
    # webis-de/small-text: the epoch's method sets train mode, then calls the batch loop's
    # method, which validates every few batches and never sets train mode again
    def fit(self, loader, optimizer, epochs):
        for epoch in range(epochs):
            self._train_epoch(loader, optimizer)

    def _train_epoch(self, loader, optimizer):
        self.model.train()
        return self._process_batches(loader, optimizer)

    def _process_batches(self, loader, optimizer):
        for i, (x, y) in enumerate(loader):
            self.model.train()
            self._train_batch(x, y, optimizer)
            if i % 100 == 0:
                self.validate(loader)  # expect: missing-train-mode

    def _train_batch(self, x, y, optimizer):
        optimizer.zero_grad()
        F.cross_entropy(self.model(x), y).backward()
        optimizer.step()

    def validate(self, loader):
        self.model.eval()
        with torch.no_grad():
            return [self.model(x) for x, _ in loader]


# --- correct code ----------------------------------------------------------------------
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


def fit(model, loader, epochs):
    model.train()
    for epoch in range(epochs):
        for x, y in loader:
            optimizer.zero_grad()
            F.cross_entropy(model(x), y).backward()
            optimizer.step()
        model.eval()
        print(sum(model(x).sum() for x, _ in val_loader))
        model.train(True)


def fit_with_helper(model, loader, epochs, run_epoch):
    model.train()
    for epoch in range(epochs):
        for x, y in loader:
            F.cross_entropy(model(x), y).backward()
            optimizer.step()
            optimizer.zero_grad()
        model.eval()
        run_epoch(model)  # may put it back in train mode: silent


# PacktPublishing/Modern-Computer-Vision-with-PyTorch Chapter06/Class_activation_maps.ipynb
# (42963ad): a Grad-CAM loop calls backward() to read gradients, and steps no optimizer: it
# trains nothing, so eval mode there is right.
def im2gradcam(model, x):
    model.eval()
    logits = model(x)
    model.zero_grad()
    logits[0, logits.argmax()].backward(retain_graph=True)
    return logits


def show_heatmaps(model, images):
    model.train()
    for i in range(len(images)):
        im2gradcam(model, images[i:i + 1])


# pytorch/tutorials' quickstart (issue 1540): the model is built in train mode, as every
# module is, and test() switches it to eval mode after the first epoch for good
class QuickNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.body = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.Dropout(0.2),
                                        torch.nn.Linear(512, 10))

    def forward(self, x):
        return self.body(x.flatten(1))


def quick_train(dataloader, model, loss_fn, optimizer):
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
        model.train()
        quick_train(train_dataloader, model, loss_fn, optimizer)
        quick_test(test_dataloader, model)  # expect: missing-train-mode


def bert_classifier(model, iterator, optim, eval_steps):
    # asyml/texar-pytorch's BERT example: main's two closures share its model; the one that
    # trains calls the one that evaluates every eval_steps batches
    def _eval_epoch():
        model.eval()
        with torch.no_grad():
            for batch in iterator:
                print(model(batch).argmax(-1))

    def _train_epoch():
        model.train()
        for step, batch in enumerate(iterator):
            optim.zero_grad()
            model.train()
            model(batch).sum().backward()
            optim.step()
            if step % eval_steps == 0:
                _eval_epoch()  # expect: missing-train-mode

    for _ in range(3):
        _train_epoch()


class RestoringClassifier(Classifier):
    # the batch loop's method puts the model back in train mode after validating
    def _train_epoch(self, loader, optimizer):
        self.model.train()
        return self._process_batches(loader, optimizer)

    def _process_batches(self, loader, optimizer):
        for i, (x, y) in enumerate(loader):
            self._train_batch(x, y, optimizer)
            if i % 100 == 0:
                self.validate(loader)
                self.model.train()


class UnsetClassifier(Classifier):
    # no caller sets a mode: the model is in the mode it was handed in, unknown here
    def _train_epoch(self, loader, optimizer):
        return self._process_batches(loader, optimizer)

    def _process_batches(self, loader, optimizer):
        for i, (x, y) in enumerate(loader):
            self._train_batch(x, y, optimizer)
            if i % 100 == 0:
                self.validate(loader)


# ThilinaRajapakse/simpletransformers classification_model.py (before 6370a1b): train() and
# evaluate() both work on a local `model = self.model`; evaluation during training leaves it
# in eval mode
class ClassificationModel:
    def __init__(self, model, n_gpu):
        self.model = model
        self.n_gpu = n_gpu

    def train(self, train_dataloader, optimizer, eval_df):
        model = self.model
        if self.n_gpu > 1:
            model = torch.nn.DataParallel(model)
        model.train()
        for epoch in range(3):
            model.train()
            for batch in train_dataloader:
                loss = model(**batch)[0]
                loss.backward()
                optimizer.step()
                model.zero_grad()
            self.eval_model(eval_df)  # expect: missing-train-mode

    def eval_model(self, eval_df):
        return self.evaluate(eval_df)

    def evaluate(self, eval_df):
        model = self.model
        model.eval()
        with torch.no_grad():
            return [model(**batch)[1] for batch in eval_df]


# jElhamm/Hands-On-Graph-Neural-Networks-Using-Python Chapter08: PyG's GraphSAGE with no
# dropout and no norm layer computes the same in both modes; with dropout it does not
class PlainGraphTrainer:
    def __init__(self, in_channels):
        from torch_geometric.nn import GraphSAGE

        self.model = GraphSAGE(in_channels=in_channels, hidden_channels=64, num_layers=2)
        self.optimizer = torch.optim.Adam(self.model.parameters())

    def fit(self, loader, val_data, epochs):
        self.model.train()
        for epoch in range(epochs):
            for data in loader:
                self.optimizer.zero_grad()
                self.model(data.x, data.edge_index).sum().backward()
                self.optimizer.step()
            self.model.eval()
            with torch.no_grad():
                self.model(val_data.x, val_data.edge_index)


class DropoutGraphTrainer:
    def __init__(self, in_channels):
        from torch_geometric.nn import GraphSAGE

        self.model = GraphSAGE(in_channels=in_channels, hidden_channels=64, num_layers=2, dropout=0.5)
        self.optimizer = torch.optim.Adam(self.model.parameters())

    def fit(self, loader, val_data, epochs):
        self.model.train()
        for epoch in range(epochs):
            self.model.train()
            for data in loader:
                self.optimizer.zero_grad()
                self.model(data.x, data.edge_index).sum().backward()
                self.optimizer.step()
            self.model.eval()  # expect: missing-train-mode
            with torch.no_grad():
                self.model(val_data.x, val_data.edge_index)


# A training helper that sets eval mode itself before it backpropagates trains in eval mode on
# purpose (a linear probe on a frozen backbone keeps its batch-norm statistics: MoCo's
# lincls), so the evaluation's eval() in the epoch loop changes nothing.
def probe_train(loader, probe_model, optimizer):
    probe_model.eval()
    for images, target in loader:
        loss = F.cross_entropy(probe_model(images), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def probe_validate(loader, probe_model):
    probe_model.eval()
    with torch.no_grad():
        for images, target in loader:
            probe_model(images)


def probe_main(loader, epochs):
    probe_model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.BatchNorm2d(8), torch.nn.Flatten())
    optimizer = torch.optim.SGD(probe_model.parameters(), lr=0.1)
    for epoch in range(epochs):
        probe_train(loader, probe_model, optimizer)
        probe_validate(loader, probe_model)


# The same helper setting eval mode only after its training part leaves the model in eval
# mode for every later epoch.
def scored_train(loader, scored_model, optimizer):
    for images, target in loader:
        loss = F.cross_entropy(scored_model(images), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    scored_model.eval()


def scored_main(loader, epochs):
    scored_model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.BatchNorm2d(8), torch.nn.Flatten())
    optimizer = torch.optim.SGD(scored_model.parameters(), lr=0.1)
    for epoch in range(epochs):
        scored_model.train()
        scored_train(loader, scored_model, optimizer)
        probe_validate(loader, scored_model)  # expect: missing-train-mode


# Put in eval mode right before the loop that trains around it (a linear probe over a frozen
# copy of a backbone that an earlier loop fine-tuned in train mode: manifold-contrastive).
def probe_after_finetune(backbone, loader, features, labels, steps):
    import copy

    tuned = copy.deepcopy(backbone)
    head = torch.nn.Linear(512, 10)
    optimizer = torch.optim.SGD([*head.parameters(), *tuned.parameters()], lr=0.05)
    for x, y in loader:
        tuned.train()
        loss = F.cross_entropy(head(tuned(x)), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    tuned = copy.deepcopy(backbone)
    probe = torch.nn.Linear(512, 10)
    optimizer = torch.optim.Adam(probe.parameters())
    tuned.eval()
    for step in range(steps):
        loss = F.cross_entropy(probe(features), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 1000 == 0:
            tuned.eval()
            with torch.no_grad():
                for x, y in loader:
                    probe(tuned(x))


# An evaluation followed by a stop (a debugging ``exit()`` left in: shawroad/NLP_pytorch_project):
# no later iteration runs, in any mode.
def stop_after_first_eval(stop_model, loader, optimizer):
    stop_model.train()
    for epoch in range(3):
        for x, y in loader:
            loss = F.cross_entropy(stop_model(x), y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            probe_validate(loader, stop_model)
            print("evaluated")
            exit()


# A break ends the batch loop only: the epoch loop goes on, still in eval mode.
def break_after_eval(break_model, loader, optimizer):
    break_model.train()
    for epoch in range(3):
        for x, y in loader:
            loss = F.cross_entropy(break_model(x), y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            probe_validate(loader, break_model)  # expect: missing-train-mode
            break


# The model handed to the helper that makes the backpropagated loss runs there with gradients:
# it is the model this loop trains.
def handed_loss(net, x):
    return F.mse_loss(net(x), x)


def evaluate_handed(net, loader):
    net.eval()
    with torch.no_grad():
        for x in loader:
            net(x)


def fit_handed(loader, epochs):
    handed_model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Dropout(0.5))
    optimizer = torch.optim.SGD(handed_model.parameters(), lr=0.1)
    handed_model.train()
    for epoch in range(epochs):
        handed_model.train()
        for x in loader:
            loss = handed_loss(handed_model, x)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        evaluate_handed(handed_model, loader)  # expect: missing-train-mode


# kevinzakka/pytorch-simclr's linear evaluation, a script: its training function puts the
# global encoder in eval mode itself (frozen, its output detached) and trains the classifier
probe_net = torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.BatchNorm1d(8))
probe_clf = torch.nn.Linear(8, 2)
probe_optimizer = torch.optim.SGD(probe_clf.parameters(), lr=0.1)
probe_train_loader = probe_test_loader = []


def test_probe(loader, net, clf):
    net.eval()
    clf.eval()
    with torch.no_grad():
        for x, y in loader:
            print(clf(net(x)).argmax(1).eq(y).sum().item())


def train_probe(loader):
    probe_net.eval()
    probe_clf.train()
    for x, y in loader:
        probe_optimizer.zero_grad()
        loss = F.cross_entropy(probe_clf(probe_net(x).detach()), y)
        loss.backward()
        probe_optimizer.step()


def train_probe_and_encoder(loader):
    probe_clf.train()
    for x, y in loader:
        probe_optimizer.zero_grad()
        loss = F.cross_entropy(probe_clf(probe_net(x)), y)
        loss.backward()
        probe_optimizer.step()


for probe_epoch in range(10):
    train_probe(probe_train_loader)
    test_probe(probe_test_loader, probe_net, probe_clf)


def run_probe_and_encoder(train_loader, test_loader, epochs):
    probe_net.train()
    for epoch in range(epochs):
        probe_net.train()
        train_probe_and_encoder(train_loader)
        test_probe(test_loader, probe_net, probe_clf)  # expect: missing-train-mode


def linear_evaluation(net, head, loader, epochs):
    # Jingkang50/OpenOOD's CSI linear evaluation: the backbone is put in eval mode at the top
    # of every step, on purpose; its features are detached and only the head trains
    optimizer = torch.optim.SGD(head.parameters(), lr=0.1)
    net.train()
    for epoch in range(epochs):
        for x, y in loader:
            net.eval()
            features = net(x).detach()
            loss = F.cross_entropy(head(features), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()


def generator_evaluated_first(net_g, net_d, loader, epochs):
    # FilipAndersson245/cartoon-gan: the generator is put in eval mode at the top of every
    # step to make the discriminator's fakes, then trained in that mode (its train() call
    # commented out): its optimizer is built on its own parameters
    optimizer_g = torch.optim.Adam(net_g.parameters())
    net_g.train()
    for epoch in range(epochs):
        for x, y in loader:
            net_g.eval()  # expect: missing-train-mode
            fake = net_g(x)
            loss = F.mse_loss(net_d(fake), y)
            optimizer_g.zero_grad()
            loss.backward()
            optimizer_g.step()


class CTCModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(10, 10), torch.nn.BatchNorm1d(10), torch.nn.Linear(10, 2))

    def forward(self, x):
        return self.net(x)

    def predict(self, x):
        self.eval()  # the method's own object: whoever calls it is left in eval mode
        with torch.no_grad():
            return self(x).argmax(1)


def train_epoch(model: CTCModel, loader, optimizer):
    # vedchamp07/captcha-breaker: the batch accuracy's model.predict() switches to eval mode
    model.train()
    correct = 0
    for x, y in loader:
        optimizer.zero_grad()
        model.train()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
        correct += (model.predict(x) == y).sum().item()  # expect: missing-train-mode
    return correct


def train_epoch_restored(model: CTCModel, loader, optimizer):
    correct = 0
    for x, y in loader:
        model.train()
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
        correct += (model.predict(x) == y).sum().item()
    return correct
