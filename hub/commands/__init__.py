"""Sub-commands of the ``hub`` CLI, one module per area; ``hub.cli`` registers them."""
