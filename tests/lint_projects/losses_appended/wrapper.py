import torch


class ModelWrapper(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def training_step(self, batch, *args):
        output = self.model(batch)
        return {"loss": output["loss"], "metrics": output["metrics"]}
