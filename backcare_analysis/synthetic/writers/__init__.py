"""Writers that render a simulated person in app export formats, for the sample data and
for tests. Never used on real data."""
