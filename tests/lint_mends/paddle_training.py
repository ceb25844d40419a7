# thunlp/OpenPrompt tutorial/7_ernie_paddlepaddle/basic.py: PaddlePaddle's training loop
# (no torch here): its optimizer clears gradients with clear_grad()
import paddle
from paddle.optimizer import AdamW


def train(model, loader, loss_func):
    optimizer = AdamW(learning_rate=1e-4, parameters=model.parameters())
    for epoch in range(3):
        for inputs in loader:
            logits = model(inputs)
            loss = loss_func(logits, inputs["label"])
            loss.backward()
            optimizer.step()
            optimizer.clear_grad()
    paddle.save(model.state_dict(), "model.pdparams")
