"""Synthetic data: the sample person, the calibration simulator and writers of app exports.

Layer: beside the pipeline, for tests, benchmarks and the bundled sample; the pipeline
(readers, stats, advice, outputs) never imports it.
"""
