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
