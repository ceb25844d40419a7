# from Vchitect/Latte train.py:231
# get_scheduler(name="constant") is LambdaLR(opt, lambda _: 1): every value of the
# schedule is the same lr, so stepping it before opt.step() skips nothing.
import torch
from diffusers.optimization import get_scheduler


def main(args, model, loader, diffusion):
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0)
    lr_scheduler = get_scheduler(
        name="constant",
        optimizer=opt,
        num_warmup_steps=args.lr_warmup_steps * args.gradient_accumulation_steps,
        num_training_steps=args.max_train_steps * args.gradient_accumulation_steps,
    )
    model.train()
    train_steps = 0
    for epoch in range(args.epochs):
        for step, x in enumerate(loader):
            t = torch.randint(0, diffusion.num_timesteps, (x.shape[0],))
            loss = diffusion.training_losses(model, x, t)["loss"].mean()
            loss.backward()
            lr_scheduler.step()
            if train_steps % args.gradient_accumulation_steps == 0 and train_steps > 0:
                opt.step()
                opt.zero_grad()
            train_steps += 1
