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


@torch.inference_mode()
def predict_ok(batch):
    return model(batch).numpy()


def unknown(net, batch):
    return net(batch).numpy()  # we cannot tell that net is a module: silent
