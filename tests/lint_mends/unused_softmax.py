# facebookresearch/deepcluster eval_retrieval.py: a Softmax module built, never run (the
# dimension is picked, and the deprecation warned about, only when it runs)
import numpy as np
import torch


def main(net, image_helper, rmac, dataset, L):
    def process_image(fname_in, fname_out):
        softmax = torch.nn.Softmax().cuda()
        v = torch.autograd.Variable(image_helper.load_and_prepare_image(fname_in).unsqueeze(0))
        activation_map = net.features(v.cuda()).cpu()
        np.save(fname_out, rmac(activation_map, L).data.numpy())

    for i in range(dataset.N_images):
        process_image(dataset.get_filename(i), "%d.npy" % i)
