"""Parameter-level gradient clearing in another module (openai/improved-diffusion
improved_diffusion/fp16_util.py, 1bc7bbb): ``p.grad.zero_()`` and ``p.grad = None``."""


def zero_grad(model_params):
    for param in model_params:
        if param.grad is not None:
            param.grad.detach_()
            param.grad.zero_()


def drop_grads(model_params):
    for param in model_params:
        param.grad = None
