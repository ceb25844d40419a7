import torch
from torch.cuda.amp import GradScaler

scaler = torch.amp.GradScaler("cuda")  # expect: deprecated-cuda-amp
scaler2 = torch.amp.GradScaler("cuda", init_scale=2.0**14, enabled=True)  # expect: deprecated-cuda-amp
scaler3 = GradScaler()  # expect: deprecated-cuda-amp

with torch.amp.autocast("cuda", dtype=torch.float16):  # expect: deprecated-cuda-amp
    pass

with torch.amp.autocast("cuda"):  # expect: deprecated-cuda-amp
    pass

# --- correct code ----------------------------------------------------------------------
scaler = torch.amp.GradScaler("cuda")
with torch.amp.autocast("cuda", dtype=torch.float16):
    pass
with torch.autocast(device_type="cuda"):
    pass
