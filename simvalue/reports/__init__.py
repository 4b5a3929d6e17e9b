"""What people read: the HTML pages (compare, business, calibration), the terminal text, and notebook progress bars."""
