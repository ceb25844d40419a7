import torch

model = torch.nn.Linear(4, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

optimizer.zero_grad()  # expect: zero-grad-set-to-none-false
model.zero_grad()  # expect: zero-grad-set-to-none-false

# --- correct code ----------------------------------------------------------------------
optimizer.zero_grad()
optimizer.zero_grad(set_to_none=True)


class Counter:
    def zero_grad(self, set_to_none=True):
        return set_to_none


Counter().zero_grad(set_to_none=False)
