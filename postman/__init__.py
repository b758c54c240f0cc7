"""The builder of the Postman collection (a package so that its modules import each other plainly):
`python -m postman.build_collection`, or `make postman`. See build_collection.py."""
