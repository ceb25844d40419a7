# from RVC-Project/Retrieval-based-Voice-Conversion-WebUI realtime_gui.py:886
# (TorchGate: tools/torchgate/torchgate.py, STFT: infer/rmvpe.py:18)
# Neither module has a parameter (register_buffer only), and rvc.infer returns a tensor computed
# under torch.no_grad(), so infer_wav never requires grad and .numpy() cannot raise.
# What matters: STFT's `self.pad_amount = int(filter_length / 2)`; without it the rule is silent.
import librosa
import torch


class STFT(torch.nn.Module):
    def __init__(self, filter_length=1024):
        super().__init__()
        self.pad_amount = int(filter_length / 2)
        self.register_buffer("forward_basis", torch.eye(filter_length))


class TorchGate(torch.nn.Module):
    def __init__(self, sr, n_fft=1024):
        super().__init__()
        self.n_fft = n_fft
        self.register_buffer("stft_window", torch.hann_window(n_fft), persistent=False)

    def forward(self, x, xn=None):
        if "privateuseone" in str(x.device) and not hasattr(self, "stft"):
            self.stft = STFT(filter_length=self.n_fft).to(x.device)
        X = torch.stft(x, n_fft=self.n_fft, return_complex=True, window=self.stft_window)
        return torch.istft(X * (X.abs() > 0.01), n_fft=self.n_fft, window=self.stft_window)


class GUI:
    def __init__(self, rvc):
        self.rvc = rvc
        self.tg = TorchGate(sr=48000)
        self.output_buffer = torch.zeros(48000)

    def audio_callback(self, input_wav_res):
        infer_wav = self.rvc.infer(input_wav_res)  # torch.no_grad() inside
        infer_wav = self.tg(infer_wav.unsqueeze(0), self.output_buffer.unsqueeze(0)).squeeze(0)
        rms2 = librosa.feature.rms(y=infer_wav[:].cpu().numpy(), frame_length=4096, hop_length=1024)
        return rms2
