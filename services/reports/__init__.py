"""Reports for the head of sales (issue 14): the pure core (periods, ABC/XYZ)."""
