"""e-Invoice validation against the official artefacts (infrastructure: lxml, elementpath):
``check.EInvoiceValidator`` (XSD, then the CIUS-RO schematron for UBL) and
``schematron.Schematron``, our interpreter of ISO Schematron."""
