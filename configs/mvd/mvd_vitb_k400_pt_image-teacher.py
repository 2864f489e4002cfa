# MVD single-teacher variant: only the image (MAE) teacher.
_base_ = ['./mvd_vitb_k400_pt.py']
model = dict(
    targets=dict(_delete_=True, img={{_base_.model.targets.img}}),
    heads=dict(_delete_=True, img={{_base_.model.heads.img}}))
