"""Plots the weights of a trained network: every `.numpy()` here raises (they require grad)."""
import nets.layers as layers
from nets.layers import Net, get_weights

net = Net()
w = get_weights(net)
print(w.numpy())  # expect: numpy-without-detach
print(layers.get_weights(net).numpy())  # expect: numpy-without-detach
print(net.head.numpy())  # expect: numpy-without-detach
print(net.filters()[0].numpy())  # expect: numpy-without-detach
