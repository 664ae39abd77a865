"""Evaluation stage of the training pipeline: a judge trained on the real images and the prompt
accuracy of a pack's generated images on the evaluation captions (see README.md here)."""
