"""MasayaKawamura/MB-iSTFT-VITS's shape: torch.stft on real audio, not saying whether it returns complex,
an error from torch 2.0 on, so the project runs on older torch only."""
import torch


def spectrogram_torch(y, n_fft, hop_size, win_size):
    window = torch.hann_window(win_size).to(y.device)
    spec = torch.stft(y, n_fft, hop_length=hop_size, win_length=win_size, window=window,
                      center=False, pad_mode="reflect", normalized=False, onesided=True)
    return torch.sqrt(spec.pow(2).sum(-1) + 1e-6)
