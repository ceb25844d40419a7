# from open-mmlab/mmyolo projects/easydeploy/tools/image-demo.py:105
# PreProcess has no parameters and its input never requires grad, so nothing is recorded.
import torch


def preprocess(config):
    mean = torch.tensor(config['mean'], dtype=torch.float32).reshape(1, 3, 1, 1)
    std = torch.tensor(config['std'], dtype=torch.float32).reshape(1, 3, 1, 1)

    class PreProcess(torch.nn.Module):

        def __init__(self):
            super().__init__()

        def forward(self, x):
            x = x[None].float()
            x -= mean.to(x.device)
            x /= std.to(x.device)
            return x

    return PreProcess().eval()


def main(files, cfg, device):
    pre_pipeline = preprocess(cfg)
    for i, file in enumerate(files):
        data = torch.from_numpy(file)
        data = pre_pipeline(data).to(device)
        print(data.shape)


if __name__ == '__main__':
    main([], {'mean': [0., 0., 0.], 'std': [1., 1., 1.]}, 'cpu')
