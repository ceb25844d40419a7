# from yuanli2333/Teacher-free-Knowledge-Distillation train_kd.py:37
# MultiStepLR stepped at the top of the epoch loop, but only for epoch > 0, i.e. after
# epoch 0's optimizer steps: equivalent to stepping at the end of each epoch, nothing skipped.
from torch.optim.lr_scheduler import MultiStepLR


def train_kd(model, teacher_model, optimizer, loss_fn_kd, dataloader, params):
    model.train()
    teacher_model.eval()
    for x, y in dataloader:
        out = model(x)
        loss = loss_fn_kd(out, y, teacher_model(x), params)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def train_and_evaluate_kd(model, teacher_model, train_dataloader, optimizer, loss_fn_kd, params):
    scheduler = MultiStepLR(optimizer, milestones=[60, 120, 160], gamma=0.2)
    for epoch in range(params.num_epochs):
        if epoch > 0:   # 0 is the warm up epoch
            scheduler.step()
        train_kd(model, teacher_model, optimizer, loss_fn_kd, train_dataloader, params)
