/* Photos are made small on the phone before they are sent (core.attachments).

   Any <input type="file" data-photo-resize>: when an image is picked, it is drawn on a canvas at
   most 1600 px on its longer side and encoded as a JPEG (quality 0.8); the input's file is
   replaced with the result (DataTransfer), so a plain form post, the report outbox and the API
   all send the small file. The server re-encodes and resizes again whatever it gets (a phone
   without canvas or DataTransfer simply sends the original). While a photo is being resized the
   form's submit buttons wait (data-resizing on the input; data-resized="1" when replaced).

   <select data-attachment-target> (the case page: the case, a session or an agreement) points
   its form at the chosen record. No inline script: loaded with <script src> (CSP). */
(function () {
  "use strict";
  var MAX_SIDE = 1600;
  var QUALITY = 0.8;
  var IMAGE = /^image\/(jpeg|png|webp)$/;

  function load(file) {
    if (window.createImageBitmap) {
      return window.createImageBitmap(file, { imageOrientation: "from-image" }).catch(function () {
        return window.createImageBitmap(file);
      });
    }
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () { URL.revokeObjectURL(url); resolve(img); };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error("image")); };
      img.src = url;
    });
  }

  function resize(file) {
    if (!file || !IMAGE.test(file.type) || !window.DataTransfer || !HTMLCanvasElement.prototype.toBlob) {
      return Promise.resolve(null);
    }
    return load(file).then(function (img) {
      var w = img.width, h = img.height;
      var scale = Math.min(1, MAX_SIDE / Math.max(w, h));
      if (scale === 1 && file.type === "image/jpeg" && file.size < 1024 * 1024) { return null; }
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(w * scale));
      canvas.height = Math.max(1, Math.round(h * scale));
      var ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff";  // a transparent PNG becomes white, as on the server
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
      if (img.close) { img.close(); }
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob) { resolve(null); return; }
          var name = (file.name || "photo").replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg", lastModified: Date.now() }));
        }, "image/jpeg", QUALITY);
      });
    });
  }

  function buttons(form, disabled) {
    if (!form) { return; }
    Array.prototype.forEach.call(form.querySelectorAll("button[type=submit], [data-submit]"), function (b) {
      b.disabled = disabled;
    });
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input || !input.matches) { return; }
    if (input.matches("select[data-attachment-target]") && input.form) {
      input.form.action = input.value;
      return;
    }
    if (!input.matches("input[type=file][data-photo-resize]")) { return; }
    var file = input.files && input.files[0];
    input.removeAttribute("data-resized");
    if (!file) { return; }
    input.setAttribute("data-resizing", "1");
    buttons(input.form, true);
    resize(file).then(function (small) {
      if (small) {
        var dt = new DataTransfer();
        dt.items.add(small);
        input.files = dt.files;
      }
      input.setAttribute("data-resized", small ? "1" : "0");
    }, function () {
      input.setAttribute("data-resized", "0");  // not an image the browser can read: the server decides
    }).then(function () {
      input.removeAttribute("data-resizing");
      buttons(input.form, false);
    });
  });
})();
