"""After-sales routes and their JSON shapes."""
