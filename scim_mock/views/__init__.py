"""HTTP views: one blueprint per spec area (resources, discovery, bulk, mock control)."""
