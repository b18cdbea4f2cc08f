"""The statistical models: onset rate ratios, case-crossover, descriptive views, power,
verdicts, treatments, recurrence and self-experiments.

Layer: imports the core (``schema``, ``episodes``, ``panel``) only; never readers or outputs.
"""
