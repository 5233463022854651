"""One marshmallow schema per resource; the OpenAPI document is generated from them."""
