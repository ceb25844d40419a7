from .pointnet import PointCls
