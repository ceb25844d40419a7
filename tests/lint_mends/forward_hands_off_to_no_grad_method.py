# from NVlabs/few-shot-vid2vid test.py:41 (model class: models/vid2vid_model.py forward/inference, create_model in models/models.py)
import torch
import torch.nn as nn


class Vid2VidModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.netG = nn.Conv2d(3, 3, 3, padding=1)

    def forward(self, data_list, mode='inference'):
        tgt_label, ref_images = data_list[0], data_list[1]
        if mode == 'generator':
            return self.netG(tgt_label).mean()
        return self.inference(tgt_label, ref_images)

    def inference(self, tgt_label, ref_images):
        with torch.no_grad():  # the forward pass used at test time is already grad-free
            fake_image = self.netG(tgt_label + ref_images)
        return fake_image, None


def create_model():
    model = Vid2VidModel()
    return model


model = create_model()
model.eval()
dataset = [{'tgt_label': torch.randn(1, 3, 8, 8), 'ref_image': torch.randn(1, 3, 8, 8)}]
for i, data in enumerate(dataset):
    data_list = [data['tgt_label'], data['ref_image']]
    synthesized_image, _ = model(data_list)
    print(synthesized_image.shape)
