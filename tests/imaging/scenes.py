"""Synthetic scenes shared by the density tests."""

from __future__ import annotations

from imaging.density.synthetic import SceneParams

# A sparse phototrichogram of black stubs on light skin: most units single, exact truth.
CLIPPED_SCENE = SceneParams(
    width=800,
    height=600,
    pixels_per_mm=110.0,
    clipped=True,
    hair_density_per_cm2=160.0,
    hairs_per_fu_weights=(0.6, 0.3, 0.1),
    skin_tone=0.15,
    hair_colour="black",
    seed=11,
)

# A realistic phototrichogram (follicular openings, stubs of 2-3 days' growth) of black stubs on
# light skin; the realistic tests make it denser, longer-haired or lighter-haired from here.
REAL = SceneParams(
    width=500,
    height=400,
    pixels_per_mm=120.0,
    clipped=True,
    hair_density_per_cm2=150.0,
    skin_tone=0.2,
    hair_colour="black",
    realistic=True,
    seed=5,
)
