"""Networks: the data model, the dataset loader and exporters."""

from crudeflow.network.load import default_dataset_path, load_dataset, validate_dataset
from crudeflow.network.model import Network, Node, Route

__all__ = ["Network", "Node", "Route", "default_dataset_path", "load_dataset", "validate_dataset"]
