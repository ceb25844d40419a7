# NVlabs/SPADE's test.py: the model is evaluated in its inference mode, under its own no_grad
from models.pix2pix_model import Pix2PixModel

model = Pix2PixModel()
model.eval()

for i, data_i in enumerate([]):
    generated = model(data_i, mode="inference")
    print(generated.shape)
