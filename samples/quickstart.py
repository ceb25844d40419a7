# Torchwise quick start.
#  - Hover `nn.CrossEntropyLoss` (or any torch name) for what it expects and returns.
#  - "Run Cell" above each `# %%`, or Shift+Enter inside a cell, runs it in a torch kernel.
#  - The squiggle in the last cell is a lint finding: the light bulb offers a quick fix.

# %%
import torch
import torch.nn as nn

x = torch.randn(8, 3)
print("x:", tuple(x.shape), x.dtype)

# %%
model = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 4))
loss_fn = nn.CrossEntropyLoss()
targets = torch.randint(0, 4, (8,))
logits = model(x)
loss = loss_fn(logits, targets)
print(f"logits {tuple(logits.shape)}, loss {loss.item():.4f}")

# %%
torch.save(model.state_dict(), "quickstart-checkpoint.pt")
state = torch.load("quickstart-checkpoint.pt")
model.load_state_dict(state)
print("restored", len(state), "tensors")
