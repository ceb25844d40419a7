"""Gradients flattened and written back by hand (a federated client's correction): no
word of this module names an optimizer or a mode, only ``.grad =``."""


def flatten_grads(model):
    return [p.grad.view(-1) for p in model.parameters()]


def assign_grads(model, grads):
    state = model.state_dict(keep_vars=True)
    for name, grad in zip(state.keys(), grads):
        state[name].grad = grad.view(state[name].shape).clone()
    return model


def log_grads(model):
    return sum(float(p.grad.norm()) for p in model.parameters())
