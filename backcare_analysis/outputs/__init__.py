"""What people read: plots, console text and the HTML report.

Layer: the top of the library; may import every layer below (readers, core, stats, advice).
"""
