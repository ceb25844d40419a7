# NVlabs/imaginaire imaginaire/trainers/base.py (gen_update): when the gradient norm is too
# large and skip_grad is set, the update is dropped on purpose: the gradients are cleared,
# the scaler closes its iteration (a step on no gradients, then update) and the loop ends.
import torch
from torch.amp import GradScaler


def gen_update(net_G, opt_G, cfg, data):
    scaler_G = GradScaler("cuda")
    update_finished = False
    while not update_finished:
        total_loss = net_G(data).mean()
        opt_G.zero_grad(set_to_none=True)
        scaler_G.scale(total_loss).backward()
        scaler_G.unscale_(opt_G)
        total_norm = torch.nn.utils.clip_grad_norm_(net_G.parameters(), cfg.clip_grad_norm)
        if torch.isfinite(total_norm) and total_norm > cfg.clip_grad_norm:
            if cfg.skip_grad:
                print("Skip gradient update.")
                opt_G.zero_grad(set_to_none=True)
                scaler_G.step(opt_G)
                scaler_G.update()
                break
        scaler_G.step(opt_G)
        scaler_G.update()
        update_finished = True
