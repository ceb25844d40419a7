# from joe-papa/pytorch-book 02_Tensors.ipynb:cell 16:5
# Teaching demo: the discarded cast is deliberate (the comment says so) and the very
# next statement shows the assigned form the message recommends.
import torch

# Specify data type at creation using dtype
w = torch.tensor([1, 2, 3], dtype=torch.float32)

# Use casting method to cast to a new data type
w.int()       # w remains a float32 after cast
w = w.int()   # w changes to int32 after cast

# Use to() method to cast to a new type
w = w.to(torch.float64)
w = w.to(dtype=torch.float64)

x = torch.tensor([1, 2, 3], dtype=torch.int32)
y = torch.tensor([1, 2, 3], dtype=torch.float32)
z = x + y
print(z.dtype)
