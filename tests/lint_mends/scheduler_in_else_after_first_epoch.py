# from aimagelab/mammoth models/gdumb.py:29
# scheduler.step() is in the else-arm of `if epoch <= 0 / elif epoch == 1`: never in the first
# epoch, so it always follows optimizer.step() of earlier epochs; nothing is skipped.
from torch.optim import SGD, lr_scheduler


def fit_buffer(self, epochs):
    optimizer = SGD(self.get_parameters(), lr=self.args.maxlr, momentum=0.9)
    scheduler = lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0=1, T_mult=2, eta_min=self.args.minlr)

    for epoch in range(epochs):
        if epoch <= 0:  # Warm start of 1 epoch
            for param_group in optimizer.param_groups:
                param_group['lr'] = self.args.maxlr * 0.1
        elif epoch == 1:  # Then set to maxlr
            for param_group in optimizer.param_groups:
                param_group['lr'] = self.args.maxlr
        else:
            scheduler.step()

        all_inputs, all_labels = self.buffer.get_data()
        while len(all_inputs):
            optimizer.zero_grad()
            buf_inputs, buf_labels = all_inputs[:32], all_labels[:32]
            all_inputs, all_labels = all_inputs[32:], all_labels[32:]
            loss = self.loss(self.net(buf_inputs), buf_labels)
            loss.backward()
            optimizer.step()
