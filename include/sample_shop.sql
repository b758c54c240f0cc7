-- The sample database of dags/sql_query.py: a tiny shop. dags/sql_query.py builds
-- include/sample_shop.db from this script when the file is missing (git ignores the .db).
CREATE TABLE customers (
    customer_id INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    country     TEXT NOT NULL,
    signed_up   TEXT NOT NULL            -- ISO date
);
CREATE TABLE products (
    product_id  INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    category    TEXT NOT NULL,
    price       REAL NOT NULL
);
CREATE TABLE orders (
    order_id    INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(customer_id),
    product_id  INTEGER NOT NULL REFERENCES products(product_id),
    quantity    INTEGER NOT NULL,
    ordered_on  TEXT NOT NULL            -- ISO date
);
INSERT INTO customers VALUES
    (1, 'Ada Lovelace',     'GB', '2024-01-05'),
    (2, 'Grace Hopper',     'US', '2024-01-12'),
    (3, 'Alan Turing',      'GB', '2024-02-01'),
    (4, 'Katherine Johnson','US', '2024-02-20'),
    (5, 'Edsger Dijkstra',  'NL', '2024-03-03'),
    (6, 'Barbara Liskov',   'US', '2024-03-15');
INSERT INTO products VALUES
    (1, 'Notebook',       'stationery', 4.50),
    (2, 'Fountain pen',   'stationery', 24.00),
    (3, 'Desk lamp',      'furniture',  39.90),
    (4, 'Office chair',   'furniture',  189.00),
    (5, 'USB-C cable',    'electronics', 9.99),
    (6, 'Headphones',     'electronics', 79.00);
INSERT INTO orders VALUES
    (1, 1, 1, 3, '2024-03-01'),
    (2, 1, 2, 1, '2024-03-01'),
    (3, 2, 6, 1, '2024-03-04'),
    (4, 3, 4, 1, '2024-03-09'),
    (5, 4, 5, 2, '2024-03-11'),
    (6, 5, 3, 1, '2024-03-18'),
    (7, 2, 1, 5, '2024-03-22'),
    (8, 6, 6, 2, '2024-03-25'),
    (9, 3, 5, 4, '2024-04-02'),
    (10, 5, 2, 1, '2024-04-07'),
    (11, 6, 4, 1, '2024-04-12'),
    (12, 4, 1, 10, '2024-04-15');
