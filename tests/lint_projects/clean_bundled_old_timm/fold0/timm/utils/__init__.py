from .cuda import NativeScaler
