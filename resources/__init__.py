"""Files shipped with Partnership Panel; installed as the package panel_app.resources."""
