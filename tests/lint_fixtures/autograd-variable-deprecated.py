import torch
from torch.autograd import Variable

x = torch.randn(4, 3)
y = torch.randint(0, 2, (4,))

inputs = Variable(x)  # expect: autograd-variable-deprecated
targets = Variable(y.cuda())  # expect: autograd-variable-deprecated
leaf = torch.autograd.Variable(x * 2, requires_grad=True)  # expect: autograd-variable-deprecated
old = Variable(x, volatile=True)  # expect: autograd-variable-deprecated

# --- correct code ----------------------------------------------------------------------
inputs = x
leaf = (x * 2).detach().requires_grad_()


class Variable2:
    def __init__(self, value):
        self.value = value


v = Variable2(x)
